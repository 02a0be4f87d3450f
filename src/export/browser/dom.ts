/**
 * @file The few DOM interfaces the page uses, declared here: Grove's TypeScript settings have no
 * DOM library (the rest of Grove runs in Node), and adding it would change every file's globals.
 */

export interface PageElement {
  textContent: string | null;
  innerHTML: string;
  hidden: boolean;
  disabled: boolean;
  href: string;
  download: string;
  readonly style: { width: string };
  readonly dataset: Record<string, string | undefined>;
  addEventListener(type: "click", listener: () => void): void;
  append(text: string): void;
  click(): void;
}

export interface PageDocument {
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
  createElement(tag: "a"): PageElement;
}

/** What the page reads of its globals. */
export interface PageGlobals {
  readonly document: PageDocument;
  readonly location: { readonly href: string };
  readonly navigator: { readonly gpu?: GPU };
  requestAnimationFrame(callback: () => void): number;
}

export const page = globalThis as unknown as PageGlobals;
