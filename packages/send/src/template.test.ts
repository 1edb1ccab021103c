import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHubError } from '@hub/errors';
import { bindTemplate, parseTemplate, renderTemplate } from './template.js';

test('templates fill {column} fields by name, case-insensitively, with {{ }} as literal braces', () => {
  const t = parseTemplate('Hello {name}, code {Code} {{ok}} {name}');
  assert.deepEqual(t.fields, ['name', 'Code']);
  const b = bindTemplate(t, ['phone', 'name', 'code'], 'f.csv');
  assert.equal(renderTemplate(t, b, ['+82', 'Kim', '1234']), 'Hello Kim, code 1234 {ok} Kim');
  assert.equal(renderTemplate(t, b, ['+82']), 'Hello , code  {ok} ');
});

test('malformed templates and unknown fields are typed errors', () => {
  for (const bad of ['Hi {name', 'Hi {}', 'Hi }']) {
    assert.throws(
      () => parseTemplate(bad),
      (e: unknown) => isHubError(e, 'HUB_ERR_SEND_NO_TEXT'),
    );
  }
  const t = parseTemplate('Hi {nme}');
  assert.throws(
    () => bindTemplate(t, ['phone', 'name'], 'list.csv'),
    (e: unknown) =>
      isHubError(e, 'HUB_ERR_SEND_TEMPLATE_FIELD') && /\{nme\}.*list\.csv.*phone, name/.test(e.message),
  );
});
