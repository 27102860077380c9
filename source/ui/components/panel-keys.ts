import {createContext, useContext} from 'react';

/**
 * Whether the Deliverability panel beside the step takes d (every finding,
 * then fewer): the step's key hints then say so. Provided by App, read by
 * KeyHints, so each step's own hints stay as they are.
 */
export const PanelKeysContext = createContext(false);

/** The hints with the panel's key before Ctrl-C, while the panel takes it. */
export function usePanelHints(hints: ReadonlyArray<readonly [string, string]>): ReadonlyArray<readonly [string, string]> {
	const panelKeys = useContext(PanelKeysContext);
	if (!panelKeys) return hints;
	const quit = hints.findIndex(([key]) => key === 'Ctrl-C');
	const at = quit === -1 ? hints.length : quit;
	return [...hints.slice(0, at), ['d', 'DNS findings'], ...hints.slice(at)];
}
