namespace NetGen.Generator;

/// <summary>Names of the pipeline steps, so incrementality tests can ask each one whether it was cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Infer = nameof(Infer);
}
