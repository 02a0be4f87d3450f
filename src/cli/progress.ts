/**
 * @file The training progress line of `grove train`: it lives in `src/session/progress.ts`, where
 * exported programs and pages reach it too, and is re-exported here for the CLI.
 */
export * from "../session/progress.js";
