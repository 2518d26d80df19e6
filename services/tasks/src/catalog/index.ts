/** The model catalog: model data and lookup (`catalog.ts`) and GPU memory / tensor-parallel planning (`gpu.ts`). */
export * from './catalog.js';
export * from './gpu.js';
export * from './scorers.js';
