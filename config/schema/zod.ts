import { z } from "zod";

/**
 * The one place the config schemas get zod from. Zod 4 compiles a fast path for each object schema with
 * `new Function` the first time it parses; a synth parses each environment file once, so that compilation costs more
 * than it saves (the first load of the shipped config: ≈ 100 ms with it, ≈ 45 ms without; later loads are as fast
 * either way). `jitless` is read when a schema is built, so it is set here, before any schema module builds one.
 */
z.config({ jitless: true });

export { z };
