import {useEffect, useRef} from 'react';

/** How a background task ended: its value, or its error's message. */
export type Settled<T> = {readonly value: T} | {readonly message: string};

/**
 * Run `task` in the background while the component shows, once per `key`
 * (a re-render hands a new function, not a reason to run again); its outcome
 * goes to `settle`. Leaving first aborts it, and nothing is settled.
 */
export function useBackground<T>(task: ((signal: AbortSignal) => Promise<T>) | undefined, settle: (outcome: Settled<T>) => void, key?: unknown): void {
	const latest = useRef({task, settle});
	latest.current = {task, settle};
	const runs = task !== undefined;
	useEffect(() => {
		const {task: run} = latest.current;
		if (!runs || !run) return;
		const controller = new AbortController();
		run(controller.signal).then(
			value => {
				if (!controller.signal.aborted) latest.current.settle({value});
			},
			(error: unknown) => {
				if (!controller.signal.aborted) latest.current.settle({message: (error as Error).message});
			},
		);
		return () => controller.abort();
	}, [runs, key]);
}
