using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The single-sample dense kernels (batch 1, <see cref="SingleSample"/>) on every SIMD path this processor has, against
    /// the <see cref="Gemm"/> products on the same path, bit for bit: sizes 1 to 40 and around the vector widths (2, 4, 8
    /// and 16 lanes ± 1), with and without bias, with and without each gradient; and against a product in double.
    /// </summary>
    public abstract class SingleSampleTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Paths()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                if (path != GemmPath.Scalar)
                {
                    yield return [path.ToString()];
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Forward_gives_the_bits_of_the_product_and_matches_the_reference(string name)
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs, int seed) in Shapes())
            {
                double[] x = Values(inputs, seed), w = Values(outputs * inputs, seed + 1), b = Values(outputs, seed + 2);
                foreach (bool withBias in new[] { true, false })
                {
                    T[] bias = withBias ? TestMath.To<T>(b) : [];
                    T[] expected = TestMath.Garbage<T>(outputs), actual = TestMath.Garbage<T>(outputs);
                    Gemm.MultiplyTransposedB<T>(TestMath.To<T>(x), TestMath.To<T>(w), bias, expected, 1, inputs, outputs, path, 1);
                    SingleSample.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), bias, actual, inputs, outputs, path);
                    AssertSameBits(expected, actual, $"{path} y {inputs} → {outputs} bias={withBias}");

                    var reference = new double[outputs];
                    for (int o = 0; o < outputs; o++)
                    {
                        reference[o] = withBias ? b[o] : 0;
                        for (int i = 0; i < inputs; i++)
                        {
                            reference[o] += x[i] * w[(o * inputs) + i];
                        }
                    }

                    TestMath.AllClose(reference, actual, TestMath.Tolerance<T>() * inputs, $"{path} y {inputs} → {outputs}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Forward_gives_the_same_bits_with_and_without_row_pointers_and_wide_trees_at_every_size_to_40(string name)
        {
            // Every inputs × outputs in 1..40 (the 8- and 4-output blocks with their row pointers where k is a whole number of
            // vectors, the dot tiles elsewhere), against the rows indexed inside the loop and the 1 × 4 tiles, and a double product.
            GemmPath path = Enum.Parse<GemmPath>(name);
            for (int inputs = 1; inputs <= 40; inputs++)
            {
                for (int outputs = 1; outputs <= 40; outputs++)
                {
                    double[] x = Values(inputs, inputs), w = Values(outputs * inputs, outputs + 50), b = Values(outputs, inputs + outputs);
                    T[] tx = TestMath.To<T>(x), tw = TestMath.To<T>(w), tb = TestMath.To<T>(b);
                    T[] before = TestMath.Garbage<T>(outputs), after = TestMath.Garbage<T>(outputs), narrowTrees = TestMath.Garbage<T>(outputs);
                    (bool savedRows, bool savedTrees) = (GemmTuning.RowPointerDots, GemmTuning.WideTrees);
                    try
                    {
                        GemmTuning.RowPointerDots = false;
                        SingleSample.Forward<T>(tx, tw, tb, before, inputs, outputs, path);
                        GemmTuning.RowPointerDots = true;
                        SingleSample.Forward<T>(tx, tw, tb, after, inputs, outputs, path);
                        GemmTuning.WideTrees = false;
                        SingleSample.Forward<T>(tx, tw, tb, narrowTrees, inputs, outputs, path);
                    }
                    finally
                    {
                        (GemmTuning.RowPointerDots, GemmTuning.WideTrees) = (savedRows, savedTrees);
                    }

                    AssertSameBits(before, after, $"{path} y {inputs} → {outputs}");
                    AssertSameBits(before, narrowTrees, $"{path} y {inputs} → {outputs}, 256-bit trees");
                    var reference = new double[outputs];
                    for (int o = 0; o < outputs; o++)
                    {
                        reference[o] = b[o];
                        for (int i = 0; i < inputs; i++)
                        {
                            reference[o] += x[i] * w[(o * inputs) + i];
                        }
                    }

                    TestMath.AllClose(reference, after, TestMath.Tolerance<T>() * inputs, $"{path} y {inputs} → {outputs} against double");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void A_sample_alone_gives_the_bits_it_gets_in_a_small_batch(string name)
        {
            // Below the panel products' 16 rows a batch runs the dot tiles (4 × 4 on AVX-512, 1 × 4 elsewhere): each row of
            // the batch must be the single-sample kernel's output for that sample, bit for bit.
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs) in new[] { (16, 32), (32, 32), (32, 4), (16, 12), (32, 15), (48, 36), (7, 9), (24, 5) })
            {
                foreach (int batch in new[] { 2, 3, 4, 5, 8, 15 })
                {
                    double[] x = Values(batch * inputs, batch + inputs), w = Values(outputs * inputs, outputs), b = Values(outputs, 3);
                    T[] tx = TestMath.To<T>(x), tw = TestMath.To<T>(w), tb = TestMath.To<T>(b), batched = TestMath.Garbage<T>(batch * outputs);
                    Gemm.MultiplyTransposedB<T>(tx, tw, tb, batched, batch, inputs, outputs, path, 1);
                    for (int s = 0; s < batch; s++)
                    {
                        T[] alone = TestMath.Garbage<T>(outputs);
                        SingleSample.Forward<T>(tx.AsSpan(s * inputs, inputs), tw, tb, alone, inputs, outputs, path);
                        AssertSameBits(batched.AsSpan(s * outputs, outputs).ToArray(), alone, $"{path} {inputs} → {outputs}, sample {s} of {batch}");
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Forward_propagates_a_NaN_to_the_outputs_it_reaches_and_no_others(string name)
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs) in new[] { (16, 32), (32, 32), (32, 4), (16, 12), (32, 13), (7, 9) })
            {
                T[] x = TestMath.To<T>(Values(inputs, 1)), w = TestMath.To<T>(Values(outputs * inputs, 2)), b = TestMath.To<T>(Values(outputs, 3));

                // A NaN input reaches every output.
                T[] nanInput = (T[])x.Clone();
                nanInput[inputs / 2] = T.NaN;
                T[] y = TestMath.Garbage<T>(outputs);
                SingleSample.Forward<T>(nanInput, w, b, y, inputs, outputs, path);
                Assert.All(y, v => Assert.True(T.IsNaN(v), $"{path} {inputs} → {outputs}: a NaN input gave {v}"));

                // A NaN weight of row o, or a NaN bias o, reaches output o only.
                foreach (int o in new[] { 0, outputs / 2, outputs - 1 })
                {
                    T[] nanWeight = (T[])w.Clone(), nanBias = (T[])b.Clone();
                    nanWeight[(o * inputs) + (inputs - 1)] = T.NaN;
                    nanBias[o] = T.NaN;
                    foreach ((T[] weights, T[] biases, string what) in new[] { (nanWeight, b, "weight"), (w, nanBias, "bias") })
                    {
                        SingleSample.Forward<T>(x, weights, biases, y, inputs, outputs, path);
                        for (int q = 0; q < outputs; q++)
                        {
                            Assert.True(T.IsNaN(y[q]) == (q == o), $"{path} {inputs} → {outputs}: NaN {what} of output {o} gave y[{q}] = {y[q]}");
                        }
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Backward_gives_the_bits_of_the_products_and_matches_the_reference(string name)
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs, int seed) in Shapes())
            {
                double[] x = Values(inputs, seed), w = Values(outputs * inputs, seed + 1), dy = Values(outputs, seed + 2);
                double[] dw0 = Values(outputs * inputs, seed + 3), db0 = Values(outputs, seed + 4);

                // Through the products, as Linear.Backward runs a larger batch: dW += dYᵀ · X, db += dY, dX = dY · W.
                T[] dwExpected = TestMath.To<T>(dw0), dbExpected = TestMath.To<T>(db0), dxExpected = TestMath.Garbage<T>(inputs);
                Gemm.AddTransposedAMultiply<T>(TestMath.To<T>(dy), TestMath.To<T>(x), dwExpected, outputs, 1, inputs, path, 1);
                for (int o = 0; o < outputs; o++)
                {
                    dbExpected[o] += T.CreateTruncating(dy[o]);
                }

                Gemm.Multiply<T>(TestMath.To<T>(dy), TestMath.To<T>(w), dxExpected, 1, outputs, inputs, path, 1);

                T[] dw = TestMath.To<T>(dw0), db = TestMath.To<T>(db0), dx = TestMath.Garbage<T>(inputs);
                SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, inputs, outputs, path);
                string what = $"{path} {inputs} → {outputs}";
                AssertSameBits(dwExpected, dw, "dW " + what);
                AssertSameBits(dbExpected, db, "db " + what);
                AssertSameBits(dxExpected, dx, "dX " + what);

                var dwReference = new double[outputs * inputs];
                var dxReference = new double[inputs];
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        dwReference[(o * inputs) + i] = dw0[(o * inputs) + i] + (dy[o] * x[i]);
                        dxReference[i] += dy[o] * w[(o * inputs) + i];
                    }
                }

                TestMath.AllClose(dwReference, dw, TestMath.Tolerance<T>(), "dW " + what);
                TestMath.AllClose(dxReference, dx, TestMath.Tolerance<T>() * outputs, "dX " + what);

                // Each gradient may be left out: the others are unchanged by that.
                T[] dwOnly = TestMath.To<T>(dw0), dbOnly = TestMath.To<T>(db0), dxOnly = TestMath.Garbage<T>(inputs);
                SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dwOnly, [], [], inputs, outputs, path);
                SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), [], dbOnly, [], inputs, outputs, path);
                SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), [], [], dxOnly, inputs, outputs, path);
                AssertSameBits(dwExpected, dwOnly, "dW alone " + what);
                AssertSameBits(dbExpected, dbOnly, "db alone " + what);
                AssertSameBits(dxExpected, dxOnly, "dX alone " + what);
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void BackwardOverwrite_gives_the_bits_of_clearing_and_accumulating(string name)
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs, int seed) in Shapes())
            {
                // Zeros among dy and x (negative x included): a product −0 must come out +0, as 0 + (−0) did.
                double[] x = Values(inputs, seed), w = Values(outputs * inputs, seed + 1), dy = Values(outputs, seed + 2);
                x[seed % inputs] = 0;
                dy[seed % outputs] = 0;
                if (outputs > 1)
                {
                    dy[(seed + 1) % outputs] = -0.0;
                }

                T[] dwExpected = new T[outputs * inputs], dbExpected = new T[outputs], dxExpected = TestMath.Garbage<T>(inputs);
                SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dwExpected, dbExpected, dxExpected, inputs, outputs, path);

                // Garbage (NaN included) where the gradients go: every value must be written, none read.
                T[] dw = TestMath.Garbage<T>(outputs * inputs), db = TestMath.Garbage<T>(outputs), dx = TestMath.Garbage<T>(inputs);
                dw[0] = T.NaN;
                db[0] = T.NaN;
                SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, inputs, outputs, path);
                string what = $"{path} {inputs} → {outputs}";
                AssertSameBits(dwExpected, dw, "dW " + what);
                AssertSameBits(dbExpected, db, "db " + what);
                AssertSameBits(dxExpected, dx, "dX " + what);

                T[] dwOnly = TestMath.Garbage<T>(outputs * inputs), dbOnly = TestMath.Garbage<T>(outputs), dxOnly = TestMath.Garbage<T>(inputs);
                SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dwOnly, [], [], inputs, outputs, path);
                SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), [], dbOnly, [], inputs, outputs, path);
                SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), [], [], dxOnly, inputs, outputs, path);
                AssertSameBits(dwExpected, dwOnly, "dW alone " + what);
                AssertSameBits(dbExpected, dbOnly, "db alone " + what);
                AssertSameBits(dxExpected, dxOnly, "dX alone " + what);
            }
        }

        [Fact]
        public void Linear_BackwardOverwrite_gives_the_bits_of_clearing_and_Backward_at_any_batch()
        {
            foreach ((int batch, int inputs, int outputs) in new[] { (1, 16, 32), (1, 32, 32), (1, 32, 4), (1, 7, 9), (3, 16, 32), (5, 7, 9), (64, 70, 33), (300, 37, 19), (128, 130, 66), (2, 1, 1) })
            {
                T[] x = TestMath.To<T>(Values(batch * inputs, 1)), w = TestMath.To<T>(Values(outputs * inputs, 2)), dy = TestMath.To<T>(Values(batch * outputs, 4));
                foreach (bool overwrite in new[] { true, false })
                {
                    bool saved = GemmTuning.OverwriteGradients;
                    GemmTuning.OverwriteGradients = overwrite;
                    try
                    {
                        T[] dwExpected = new T[outputs * inputs], dbExpected = new T[outputs], dxExpected = TestMath.Garbage<T>(batch * inputs);
                        Linear.Backward<T>(x, w, dy, dwExpected, dbExpected, dxExpected, batch, inputs, outputs);
                        T[] dw = TestMath.Garbage<T>(outputs * inputs), db = TestMath.Garbage<T>(outputs), dx = TestMath.Garbage<T>(batch * inputs);
                        Linear.BackwardOverwrite<T>(x, w, dy, dw, db, dx, batch, inputs, outputs);
                        string what = $"batch {batch}, {inputs} → {outputs}, overwrite {overwrite}";
                        AssertSameBits(dwExpected, dw, "dW " + what);
                        AssertSameBits(dbExpected, db, "db " + what);
                        AssertSameBits(dxExpected, dx, "dX " + what);
                    }
                    finally
                    {
                        GemmTuning.OverwriteGradients = saved;
                    }
                }

                // A wrong length is refused before anything is written.
                T[] untouched = TestMath.Garbage<T>(outputs * inputs), copy = (T[])untouched.Clone();
                Assert.Throws<ArgumentException>(() => Linear.BackwardOverwrite<T>(x, w, dy, untouched, new T[outputs + 1], [], batch, inputs, outputs));
                AssertSameBits(copy, untouched, "dW after a refused call");
            }
        }

        [Fact]
        public void Linear_at_batch_one_gives_the_bits_of_the_products_at_the_default_path()
        {
            // The tiny network's layers, through Linear's own dispatch, with the single-sample kernels on and off.
            foreach ((int inputs, int outputs) in new[] { (16, 32), (32, 32), (32, 4), (7, 9) })
            {
                T[] x = TestMath.To<T>(Values(inputs, 1)), w = TestMath.To<T>(Values(outputs * inputs, 2)), b = TestMath.To<T>(Values(outputs, 3));
                T[] dy = TestMath.To<T>(Values(outputs, 4));
                var results = new List<T[]>();
                foreach (bool single in new[] { true, false })
                {
                    bool saved = GemmTuning.SingleSampleLayers;
                    GemmTuning.SingleSampleLayers = single;
                    try
                    {
                        T[] y = TestMath.Garbage<T>(outputs), dw = TestMath.To<T>(Values(outputs * inputs, 5)), db = TestMath.To<T>(Values(outputs, 6));
                        T[] dx = TestMath.Garbage<T>(inputs);
                        Linear.Forward<T>(x, w, b, y, 1, inputs, outputs);
                        Linear.Backward<T>(x, w, dy, dw, db, dx, 1, inputs, outputs);
                        results.Add([.. y, .. dw, .. db, .. dx]);
                    }
                    finally
                    {
                        GemmTuning.SingleSampleLayers = saved;
                    }
                }

                AssertSameBits(results[1], results[0], $"Linear {inputs} → {outputs}");
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Fused_backward_gives_the_bits_of_the_separate_passes(string name)
        {
            // Shapes the one-pass kernel takes on every path (inputs a multiple of 32; 8 or more outputs, with and without
            // leftover rows after the groups of 4, and fewer, one chain) and some it leaves to the separate passes; both directions of each switch.
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach ((int inputs, int outputs) in new[] { (32, 32), (32, 8), (32, 9), (32, 11), (64, 40), (96, 13), (16, 32), (32, 7), (32, 4), (32, 1), (64, 3), (33, 32), (32, 300) })
            {
                double[] x = Values(inputs, inputs), w = Values(outputs * inputs, outputs), dy = Values(outputs, 7), g0 = Values(outputs * inputs, 8), b0 = Values(outputs, 9);
                var results = new List<T[]>();
                foreach (bool fused in new[] { false, true })
                {
                    bool saved = GemmTuning.FusedBackward;
                    GemmTuning.FusedBackward = fused;
                    try
                    {
                        T[] dw = TestMath.To<T>(g0), db = TestMath.To<T>(b0), dx = TestMath.Garbage<T>(inputs);
                        SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, inputs, outputs, path);
                        T[] dwNew = TestMath.Garbage<T>(outputs * inputs), dbNew = TestMath.Garbage<T>(outputs), dxNew = TestMath.Garbage<T>(inputs);
                        SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dwNew, dbNew, dxNew, inputs, outputs, path);
                        results.Add([.. dw, .. db, .. dx, .. dwNew, .. dbNew, .. dxNew]);
                    }
                    finally
                    {
                        GemmTuning.FusedBackward = saved;
                    }
                }

                AssertSameBits(results[0], results[1], $"{path} fused {inputs} → {outputs}");

                // And against the sums in double: a wrong row or column in the one pass fails here even if both sides shared it.
                var dxReference = new double[inputs];
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        dxReference[i] += dy[o] * w[(o * inputs) + i];
                    }
                }

                int dxAt = (outputs * inputs) + outputs, dxNewAt = (2 * outputs * inputs) + (2 * outputs) + inputs;
                TestMath.AllClose(dxReference, results[1].AsSpan(dxAt, inputs).ToArray(), TestMath.Tolerance<T>() * outputs, $"{path} dX {inputs} → {outputs}");
                TestMath.AllClose(dxReference, results[1].AsSpan(dxNewAt, inputs).ToArray(), TestMath.Tolerance<T>() * outputs, $"{path} dX overwrite {inputs} → {outputs}");
            }
        }

        /// <summary>Sizes 1 to 40 in both directions at random, plus every pair of a few sizes around the vector widths.</summary>
        private static IEnumerable<(int Inputs, int Outputs, int Seed)> Shapes()
        {
            int[] edges = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 32, 33];
            int seed = 100;
            foreach (int inputs in edges)
            {
                foreach (int outputs in edges)
                {
                    yield return (inputs, outputs, seed += 5);
                }
            }

            var random = new Random(23);
            for (int trial = 0; trial < 60; trial++)
            {
                yield return (random.Next(1, 41), random.Next(1, 41), seed += 5);
            }
        }

        private static double[] Values(int count, int seed) => TestMath.Rounded<T>(TestMath.Uniform(count, seed, -1, 1));

        private static void AssertSameBits(T[] expected, T[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]), $"{what} [{i}]: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    public sealed class SingleSampleSingleTests : SingleSampleTests<float>
    {
    }

    public sealed class SingleSampleDoubleTests : SingleSampleTests<double>
    {
    }
}
