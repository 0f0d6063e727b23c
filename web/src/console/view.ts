// What a view gets from the shell: who is signed in, a signal that aborts its requests when
// it is left, and timers that stop with it.

import type { Me } from "./api";
import { isAbort } from "./api";
import { showError } from "./notices";

export interface ViewContext {
  me: Me;
  /** The name tickets are assigned to for "me" (the key's name, else its prefix). */
  self: string;
  signal: AbortSignal;
  /** Run `fn` every `ms` while the view is shown. */
  every(ms: number, fn: () => void): void;
  /** Show a failed call's message, unless the view was left meanwhile. */
  fail(error: unknown): void;
}

export type View = (root: HTMLElement, ctx: ViewContext) => void;

export function makeContext(me: Me): { ctx: ViewContext; stop: () => void } {
  const controller = new AbortController();
  const timers: number[] = [];
  const ctx: ViewContext = {
    me,
    self: me.name || me.prefix,
    signal: controller.signal,
    every(ms, fn) {
      timers.push(window.setInterval(fn, ms));
    },
    fail(error) {
      if (controller.signal.aborted || isAbort(error)) return;
      showError(error);
    },
  };
  const stop = () => {
    controller.abort();
    for (const id of timers) window.clearInterval(id);
  };
  return { ctx, stop };
}
