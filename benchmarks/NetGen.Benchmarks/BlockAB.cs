using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>-- --bn-block [threads]</c>: the Fashion CNN's two BatchNorm → ReLU → MaxPool2D blocks (batch 128: 32 × 28 × 28 and
/// 64 × 14 × 14) in training, the full-map passes (x̂ and the rectified maps written, read back by the backward: the
/// generated code before) against the pooled-only pass and the backward from the inputs (what it calls now), alternating
/// in one process (21 rounds, the order alternating too), forward, backward and both; medians and the ratio full / pooled-only.
/// </summary>
internal static class BlockAB
{
    public static void Run(int threads)
    {
        NetGenOptions.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; threads {threads}");
        Compare(32, 28);
        Compare(64, 14);
    }

    private static void Compare(int channels, int side)
    {
        const int b = CnnBenchmarks.TrainBatch;
        int length = b * channels * side * side, pooledLength = length / 4;
        float[] x = Normal(length, 1), gamma = Filled(channels, 1.1f), beta = Filled(channels, 0.1f), rm = new float[channels], rv = Filled(channels, 1);
        float[] xHat = new float[length], inverseStd = new float[channels], mean = new float[channels], relu = new float[length];
        float[] pooled = new float[pooledLength], dPooled = Normal(pooledLength, 2), dRelu = new float[length], dy = new float[length], dx = new float[length];
        float[] dgamma = new float[channels], dbeta = new float[channels];
        int[] argmax = new int[pooledLength];
        void FullForward() => BatchNorm.ForwardTrainingReLUMaxPool<float>(x, gamma, beta, rm, rv, xHat, inverseStd, relu, relu, pooled, argmax, b, channels, side, side, 2, 2, 0.9f, 1e-5f);
        void FullBackward() => BatchNorm.BackwardReLUMaxPool<float>(argmax, dPooled, relu, dRelu, dy, xHat, inverseStd, gamma, dgamma, dbeta, dx, b, channels, side, side, 2, 2);
        void PooledForward() => BatchNorm.ForwardTrainingReLUMaxPool<float>(x, gamma, beta, rm, rv, mean, inverseStd, pooled, argmax, b, channels, side, side, 2, 2, 0.9f, 1e-5f);
        void FromInputsBackward() => BatchNorm.BackwardReLUMaxPoolFromInputs<float>(argmax, dPooled, pooled, x, mean, inverseStd, gamma, dgamma, dbeta, dx, dy, b, channels, side, side, 2, 2);

        // The same results both ways (pooled maps, argmax, dx), checked once before timing.
        FullForward();
        FullBackward();
        float[] expectedPooled = (float[])pooled.Clone(), expectedDx = (float[])dx.Clone();
        PooledForward();
        FromInputsBackward();
        if (!expectedPooled.AsSpan().SequenceEqual(pooled) || !expectedDx.AsSpan().SequenceEqual(dx))
        {
            throw new InvalidOperationException("The pooled-only pass and the full-map pass disagree.");
        }

        string shape = $"{channels}×{side}×{side}";
        Report($"{shape} forward", FullForward, PooledForward);
        FullForward();
        PooledForward();
        Report($"{shape} backward", FullBackward, FromInputsBackward);
        Report($"{shape} forward + backward", () => { FullForward(); FullBackward(); }, () => { PooledForward(); FromInputsBackward(); });
    }

    private static void Report(string name, Action full, Action pooledOnly)
    {
        List<double> a = [], b = [], ratios = [];
        for (int round = 0; round < 21; round++)
        {
            bool fullFirst = round % 2 == 0;
            double first = Profile.Time(fullFirst ? full : pooledOnly);
            double second = Profile.Time(fullFirst ? pooledOnly : full);
            (double timeFull, double timePooled) = fullFirst ? (first, second) : (second, first);
            a.Add(timeFull);
            b.Add(timePooled);
            ratios.Add(timeFull / timePooled);
        }

        Console.WriteLine($"{name,-28} full maps {Profile.Median(a) * 1e3,7:F3} ms   pooled only {Profile.Median(b) * 1e3,7:F3} ms   full / pooled only: median of rounds {Profile.Median(ratios):F3}×");
    }

    private static float[] Filled(int n, float value) => Enumerable.Repeat(value, n).ToArray();

    // Roughly normal values around 0.2 (a convolution's output): about as many negative as positive after BatchNorm.
    private static float[] Normal(int n, int seed)
    {
        var random = new Random(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2 + 0.2);
        }

        return values;
    }
}
