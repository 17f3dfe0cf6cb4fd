// Types of the cdktf matchers that Testing.setupJest() (support/setup.ts) adds to expect.
declare namespace jest {
  interface Matchers<R> {
    toHaveResource(type: { tfResourceType: string }): R;
    toHaveResourceWithProperties(type: { tfResourceType: string }, properties: Record<string, unknown>): R;
    toHaveDataSource(type: { tfResourceType: string }): R;
    toHaveProvider(type: { tfResourceType: string }): R;
  }
}
