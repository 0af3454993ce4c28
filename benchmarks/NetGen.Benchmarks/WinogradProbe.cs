using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>-- --winograd [threads]</c>: where the time goes inside Winograd's three passes at the Fashion CNN's second layer
/// (32 → 64 channels, 3 × 3, padding 1, 14 × 14 maps, batch 128) on one thread: each pass whole, and the same 16 GEMMs
/// per sample group alone (so the transforms are the rest), and the sample groups' sizes. Then an A/B of
/// <see cref="Winograd.FastProducts"/> on and off through the layer, interleaved
/// over 15 rounds, medians, at <c>threads</c> (the layer splits the samples over them). With
/// <c>WINOGRAD_PROBE=focused</c>, only the forward and input gradient passes, called straight, 41 rounds per switch.
/// </summary>
internal static class WinogradProbe
{
    private const int Batch = 128, Channels = 32, Filters = 64, Size = 14, Group = 4, Tiles = 49;

    public static void Run(int threads)
    {
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPathReason}; threads {threads}");
        GemmPath path = Gemm.DefaultPath;
        var g = new WindowGeometry(Channels, Size, Size, 3, 3, 1, 1, 1, 1);
        float[] x = GemmBenchmarks.Random(Batch * Channels * Size * Size, 1), w = GemmBenchmarks.Random(Filters * Channels * 9, 2), b = GemmBenchmarks.Random(Filters, 3);
        float[] y = new float[Batch * Filters * Size * Size], dy = GemmBenchmarks.Random(y.Length, 4), dx = new float[x.Length], dw = new float[w.Length];
        int columns = Group * Tiles;
        float[] u = GemmBenchmarks.Random(16 * Filters * Channels, 5), v = GemmBenchmarks.Random(16 * Filters * columns, 6), m = new float[16 * Filters * columns];
        int groups = Batch / Group;

        // The GEMMs alone, as the passes call them.
        void ForwardGemms()
        {
            for (int group = 0; group < groups; group++)
            {
                for (int xi = 0; xi < 16; xi++)
                {
                    Gemm.Multiply<float>(u.AsSpan(xi * Filters * Channels, Filters * Channels), v.AsSpan(xi * Channels * columns, Channels * columns), m.AsSpan(xi * Filters * columns, Filters * columns), Filters, Channels, columns, path, 1);
                }
            }
        }

        // The one-thread products on the same data, the columns padded to whole vectors.
        int padded = (columns + WinogradProducts.Lanes<float>(path) - 1) / WinogradProducts.Lanes<float>(path) * WinogradProducts.Lanes<float>(path);
        float[] vp = GemmBenchmarks.Random(16 * Filters * padded, 6), mp = new float[16 * Filters * padded];
        float[] packed = new float[u.Length];
        void ForwardProducts()
        {
            WinogradProducts.Pack<float>(u, packed, Filters, Channels);
            for (int group = 0; group < groups; group++)
            {
                WinogradProducts.Multiply<float>(packed, vp, mp, Filters, Channels, padded, path);
            }
        }

        void InputProducts()
        {
            WinogradProducts.Pack<float>(u, packed, Channels, Filters);
            for (int group = 0; group < groups; group++)
            {
                WinogradProducts.Multiply<float>(packed, vp, mp, Channels, Filters, padded, path);
            }
        }

        void InputGemms()
        {
            for (int group = 0; group < groups; group++)
            {
                for (int xi = 0; xi < 16; xi++)
                {
                    Gemm.Multiply<float>(u.AsSpan(xi * Filters * Channels, Filters * Channels), v.AsSpan(xi * Filters * columns, Filters * columns), m.AsSpan(xi * Channels * columns, Channels * columns), Channels, Filters, columns, path, 1);
                }
            }
        }

        void WeightGemms()
        {
            for (int group = 0; group < groups; group++)
            {
                for (int xi = 0; xi < 16; xi++)
                {
                    Gemm.AddMultiplyTransposedB<float>(v.AsSpan(xi * Filters * columns, Filters * columns), m.AsSpan(xi * Channels * columns, Channels * columns), u.AsSpan(xi * Filters * Channels, Filters * Channels), Filters, columns, Channels, path, 1);
                }
            }
        }

        void Forward() => Winograd.Forward<float>(x, w, b, y, 0, Batch, g, Filters, true, path, 1);
        void InputGradient() => Winograd.InputGradient<float>(dy, w, dx, 0, Batch, g, Filters, path, 1);
        void WeightGradient() => Winograd.AddWeightGradient<float>(x, dy, dw, 0, Batch, g, Filters, path, 1);

        // A large GEMM for scale: the GFLOP/s this core reaches now, against the products' (the machine is shared).
        float[] big = GemmBenchmarks.Random(512 * 512, 7), bigOut = new float[512 * 512];
        void LargeGemm() => Gemm.Multiply<float>(big, big, bigOut, 512, 512, 512, path, 1);

        if (threads == 1 && Environment.GetEnvironmentVariable("WINOGRAD_PROBE") == "focused")
        {
            // Only the passes the switches change, called straight (no layer around them), 41 interleaved rounds.
            foreach ((string switchName, Action<bool> set) in new (string, Action<bool>)[] { ("products", on => Winograd.FastProducts = on) })
            {
                foreach ((string name, Action action) in new (string, Action)[] { ("forward", Forward), ("dX", InputGradient) })
                {
                    (List<double> on, List<double> off, List<double> ratios) = StepAB.Alternate(set, action, 41);
                    Console.WriteLine($"focused {switchName}: {name,-8} new {Profile.Median(on) * 1e3:F3} ms, old {Profile.Median(off) * 1e3:F3} ms, old / new {Profile.Median(off) / Profile.Median(on):F3}× (median of rounds' ratios {Profile.Median(ratios):F3}×)");
                }
            }

            return;
        }

        if (threads == 1)
        {
            List<double> large = [], products = [];
            for (int round = 0; round < 9; round++)
            {
                large.Add(Profile.Time(LargeGemm));
                products.Add(Profile.Time(ForwardProducts));
            }

            Console.WriteLine($"GFLOP/s: GEMM 512³ {2.0 * 512 * 512 * 512 / Profile.Median(large) / 1e9:F1}, forward products {2.0 * groups * 16 * Filters * Channels * columns / Profile.Median(products) / 1e9:F1}");
        }

        if (threads == 1)
        {
            var parts = new (string Name, Action Action)[]
            {
                ("forward whole", Forward), ("forward GEMMs", ForwardGemms),
                ("forward products", ForwardProducts),
                ("dX whole", InputGradient), ("dX GEMMs", InputGemms), ("dX products", InputProducts),
                ("dW whole", WeightGradient), ("dW GEMMs", WeightGemms),
            };
            foreach (bool fast in new[] { false, true })
            {
                Winograd.FastProducts = fast;
                var times = parts.Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < 9; round++)
                {
                    for (int i = 0; i < parts.Length; i++)
                    {
                        times[i].Add(Profile.Time(parts[i].Action));
                    }
                }

                Console.WriteLine($"FastProducts = {fast}:");
                for (int i = 0; i < parts.Length; i++)
                {
                    Console.WriteLine($"  {parts[i].Name,-16} {Profile.Median(times[i]) * 1e3,8:F3} ms");
                }
            }
        }

        if (threads == 1)
        {
            // Sample groups of 1, 2, 4 and 8 (the forward and dX).
            int[] sizes = [49, 98, 196, 392];
            var groupTimes = sizes.Select(_ => (Forward: new List<double>(), Input: new List<double>())).ToArray();
            for (int round = 0; round < 9; round++)
            {
                for (int i = 0; i < sizes.Length; i++)
                {
                    Winograd.ConvolveTiles = sizes[i];
                    groupTimes[i].Forward.Add(Profile.Time(Forward));
                    groupTimes[i].Input.Add(Profile.Time(InputGradient));
                }
            }

            Winograd.ConvolveTiles = 224;
            var weightTimes = sizes.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < 9; round++)
            {
                for (int i = 0; i < sizes.Length; i++)
                {
                    Winograd.WeightGradientTiles = sizes[i];
                    weightTimes[i].Add(Profile.Time(WeightGradient));
                }
            }

            Winograd.WeightGradientTiles = 224;
            for (int i = 0; i < sizes.Length; i++)
            {
                Console.WriteLine($"groups of {sizes[i] / Tiles} samples: forward {Profile.Median(groupTimes[i].Forward) * 1e3:F3} ms, dX {Profile.Median(groupTimes[i].Input) * 1e3:F3} ms, dW {Profile.Median(weightTimes[i]) * 1e3:F3} ms");
            }
        }

        // The A/B through the layer (Conv2D splits the samples over the threads).
        NetGenOptions.MaxDegreeOfParallelism = threads;
        float[] workspace = new float[Conv2D.WorkspaceLength(Channels, Size, Size, Filters, 3, 1, 1)];
        float[] db = new float[Filters];
        var passes = new (string Name, Action Action)[]
        {
            ("forward", () => Conv2D.Forward<float>(x, w, b, y, workspace, Batch, Channels, Size, Size, Filters, 3, 1, 1)),
            ("backward dW", () => Conv2D.Backward<float>(x, w, dy, dw, db, Span<float>.Empty, workspace, Batch, Channels, Size, Size, Filters, 3, 1, 1)),
            ("backward dW+dX", () => Conv2D.Backward<float>(x, w, dy, dw, db, dx, workspace, Batch, Channels, Size, Size, Filters, 3, 1, 1)),
        };
        var switches = new (string Name, Action<bool> Set)[]
        {
            ("products", on => Winograd.FastProducts = on),
        };
        foreach ((string switchName, Action<bool> set) in switches)
        {
            foreach ((string name, Action action) in passes)
            {
                (List<double> on, List<double> off, List<double> ratios) = StepAB.Alternate(set, action, 15);
                Console.WriteLine($"{switchName}: {name,-16} new {Profile.Median(on) * 1e3:F3} ms, old {Profile.Median(off) * 1e3:F3} ms, old / new {Profile.Median(off) / Profile.Median(on):F3}× (median of rounds' ratios {Profile.Median(ratios):F3}×)");
            }
        }

        Winograd.FastProducts = true;
    }
}
