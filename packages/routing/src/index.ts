export {
  type AccountDecision,
  type ConnectorDecision,
  type DecideOptions,
  decide,
  type RejectCode,
  type RejectDecision,
  type RouteDecision,
  rejectionError,
} from './decide.js';
export { type Explanation, explain, type RouteCheck } from './explain.js';
export { checkPattern, MAX_PATTERN_LENGTH, MAX_UNBOUNDED, MAX_VARIABLE } from './pattern.js';
export {
  ACTIONS_BY_TABLE,
  Action,
  type ActionType,
  Filter,
  type FilterType,
  isTimeZone,
  Route,
  type RouteInput,
  RouteTableName,
  SplitTarget,
  TimeWindow,
  Weekday,
} from './schema.js';
export {
  type CompiledRoute,
  type CompiledSide,
  compileTable,
  MAX_ROUTES,
  parseRoute,
  type RouteIssue,
  type RoutingTable,
} from './table.js';
