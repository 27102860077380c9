/**
 * The wizard's flow as data, in one import: a pure reducer over steps and
 * events (flow-reducer.ts), its types (flow-types.ts), what the steps show
 * (flow-selectors.ts), what goes to the scrollback (flow-scrollback.ts), and
 * how it starts (flow-start.ts, which the first frame loads on its own).
 */

export * from './flow-types.js';
export {initialFlowState, isEffectStep, preselectedChoice, providerChoices, toProblem} from './flow-start.js';
export {flowReducer, foldTestEvent} from './flow-reducer.js';
export * from './flow-selectors.js';
export {formatMs, testSummaryLines} from './flow-scrollback.js';
