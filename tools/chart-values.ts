// The offline values check lives with the config loader (config/chart-values.ts), which runs it on the free-form
// `platform.<add-on>.values` of every environment at synth; the tests and tools read it from here as before.
export * from "../config/chart-values";
