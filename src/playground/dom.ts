/**
 * @file The DOM interfaces the playground's page uses, declared here as the exported page does
 * (`export/browser/dom.ts`): Grove's TypeScript settings have no DOM library, and adding it would
 * change every file's globals.
 */

export interface El {
  textContent: string | null;
  innerHTML: string;
  hidden: boolean;
  disabled: boolean;
  value: string;
  className: string;
  title: string;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { toggle(name: string, on?: boolean): boolean };
  addEventListener(type: string, listener: (event: { readonly target: unknown }) => void): void;
  append(...children: (El | string)[]): void;
  replaceChildren(...children: (El | string)[]): void;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<El>;
}

export interface Doc {
  readonly body: El;
  getElementById(id: string): El | null;
  createElement(tag: string): El;
}

interface PageGlobals {
  readonly document: Doc;
  readonly navigator: { readonly gpu?: GPU };
  readonly location: { readonly hash: string };
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(id: number): void;
  requestAnimationFrame(callback: () => void): number;
}

export const page = globalThis as unknown as PageGlobals;

export const byId = (id: string): El => page.document.getElementById(id)!;

/** A new element `tag` with `className` and children (text is set as text, never as markup). */
export function el(tag: string, className: string, ...children: (El | string)[]): El {
  const e = page.document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}
