import {useEffect, useInsertionEffect} from 'react';

/**
 * "The screen you see now takes keys": an event for tests to wait on, never
 * a quiet period.
 *
 * Ink draws a commit before React runs its effects, and useInput subscribes
 * (and re-subscribes, with each render's handler) in one of them: a key that
 * arrives in between reaches the handler of the step before, or none. Every
 * component that calls useInput calls useInputReady right after it: its
 * insertion effect counts the commit as pending before Ink draws it (insertion
 * effects run in React's mutation phase, before the host's resetAfterCommit,
 * where Ink writes the frame), and its passive effect, declared after
 * useInput's, runs after the subscription (one component's effects run in
 * order). When no commit is pending, every frame drawn so far has its
 * handlers. React runs a commit's passive effects before it renders again,
 * so every pending count comes back to zero: a wait on it cannot hang.
 *
 * A component without this hook is still covered when App re-renders with
 * it (App's effects run after its children's), as every step change does.
 *
 * In process (ink-testing-library) a test reads `inputSettled` and waits with
 * `whenInputSettled`. Out of process, test-signals.ts writes a marker to the
 * terminal; without its environment variable nothing is written.
 */
let pending = 0;
let generation = 0;
const listeners = new Set<(generation: number) => void>();

export function useInputReady(): void {
	useInsertionEffect(() => {
		pending++;
	});
	useEffect(() => {
		pending--;
		if (pending > 0) return;
		generation++;
		for (const listener of listeners) listener(generation);
	});
}

/** No commit of a key-taking component is waiting for its subscription. */
export function inputSettled(): boolean {
	return pending === 0;
}

/** How many times the input settled: changes with every settle. */
export function settledGeneration(): number {
	return generation;
}

/** Call `listener` at each settle; returns the unsubscribe. */
export function onInputSettled(listener: (generation: number) => void): () => void {
	listeners.add(listener);
	return () => listeners.delete(listener);
}

/** Resolve at once when settled, else at the next settle. */
export async function whenInputSettled(): Promise<void> {
	if (pending === 0) return;
	await new Promise<void>(resolve => {
		const off = onInputSettled(() => {
			off();
			resolve();
		});
	});
}
