/**
 * @file What every kernel template shares: how a template reports its work split (`Layout`), and
 * the store and load callbacks `writePart` (kernel.ts) hands it.
 */
import type { Node } from "../../ir/node.js";

export interface Layout {
  readonly invocations: number;
  /** How the work is split, for the kernel header. */
  readonly split: string;
  /** The body works a workgroup at a time (see `KernelPart.collective`). */
  readonly collective?: "subgroup" | "workgroup";
}

/** Stores `value` at the flat output index `flat`. */
export type Store = (flat: string, value: string) => void;

/** The load of a stored node at the flat index `at(offset)`; undefined for a node computed here. */
export type Load = (node: Node, at: (offset: number) => string) => string | undefined;
