// Types for the tests and the bench, which import the pinned version.
export const NODE_VERSION: string;
export const ARCHES: readonly string[];
export function seaNode(arch: string): string;
