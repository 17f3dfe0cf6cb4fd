/** Transpiles the app's sources newer than their output into dist/; returns how many it transpiled. */
export function transpile(): number;
/** Where the transpiled app goes (dist/). */
export const outdir: string;
