using System;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// BatchNorm → ReLU → MaxPool2D in one pass per map against the three kernels one after the other: the forward
    /// pass writes every span they write, the backward pass gives their dγ, dβ and dx (dRelu and dy are its scratch), bit
    /// for bit, over odd map sizes (shorter and longer than a vector), windows and strides, on one thread and split over
    /// threads; and the pass that keeps only the pooled maps and the means, with its backward from the inputs, against the
    /// same three kernels.
    /// </summary>
    public abstract class BatchNormReLUMaxPoolTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly T Momentum = T.CreateTruncating(0.9), Epsilon = T.CreateTruncating(1e-5);

        [Theory]
        [InlineData(3, 2, 2, 2, 2, 2)]
        [InlineData(2, 3, 3, 3, 2, 1)]
        [InlineData(4, 2, 5, 7, 2, 2)]
        [InlineData(2, 3, 9, 9, 3, 3)]
        [InlineData(3, 5, 9, 7, 3, 2)]
        [InlineData(5, 4, 14, 14, 2, 2)]
        [InlineData(2, 6, 28, 28, 2, 2)]
        [InlineData(3, 2, 11, 13, 1, 1)]
        [InlineData(1, 3, 17, 5, 4, 3)]
        [InlineData(2, 3, 9, 15, 2, 2)]
        [InlineData(2, 2, 6, 41, 2, 2)]
        [InlineData(3, 2, 5, 66, 2, 2)]
        public void The_fused_passes_match_the_three_kernels(int batch, int channels, int height, int width, int size, int stride)
        {
            var block = new Block(batch, channels, height, width, size, stride, seed: 10 + height);
            Block expected = block.Copy(), fused = block.Copy(), planes = block.Copy();
            expected.ForwardOneByOne();
            fused.ForwardFused();
            planes.ForwardPlanes();
            expected.AssertForwardEqual(fused, "fused");

            // Maps shorter than a vector go through the three kernels (BatchNorm's one-at-a-time loops, which sum in
            // another order), so only longer maps are the per-map pass itself.
            bool vectorMaps = Vector.IsHardwareAccelerated && height * width >= Vector<T>.Count;
            if (vectorMaps)
            {
                expected.AssertForwardEqual(planes, "planes");
            }

            expected.BackwardOneByOne(inputGradient: true);
            fused.BackwardFused(inputGradient: true);
            planes.BackwardPlanes(inputGradient: true);
            expected.AssertBackwardEqual(fused, "fused");
            if (vectorMaps)
            {
                expected.AssertBackwardEqual(planes, "planes");
            }

            // Without the input gradient (a first layer): dγ and dβ only.
            expected.BackwardOneByOne(inputGradient: false);
            fused.BackwardFused(inputGradient: false);
            expected.AssertBackwardEqual(fused, "fused, no dx");

            AssertInPlaceMatches(block, planes: vectorMaps);
            AssertPooledOnlyMatches(block, planes: vectorMaps);
        }

        /// <summary>
        /// The pass that keeps only the pooled maps and the statistics, and the backward from the inputs: the same pooled
        /// maps, argmax, statistics, dγ, dβ and dx as the three kernels, x̂ recomputed from the kept means to the same bits,
        /// and neither x̂ nor a full map written. With <paramref name="planes"/> the per-map pass on one thread as well.
        /// </summary>
        private static void AssertPooledOnlyMatches(Block block, bool planes)
        {
            Block expected = block.Copy();
            expected.ForwardOneByOne();
            expected.BackwardOneByOne(inputGradient: true);
            Block expectedNoDx = block.Copy();
            expectedNoDx.ForwardOneByOne();
            expectedNoDx.BackwardOneByOne(inputGradient: false);
            var ways = new System.Collections.Generic.List<(string Name, Action<Block> Forward, Action<Block, bool> Backward)>
            {
                ("pooled only", b => b.ForwardPooledOnly(), (b, dx) => b.BackwardFromInputs(dx)),
            };
            if (planes)
            {
                ways.Add(("pooled-only planes", b => b.ForwardPooledOnlyPlanes(), (b, dx) => b.BackwardFromInputsPlanes(dx)));
            }

            foreach ((string name, Action<Block> forward, Action<Block, bool> backward) in ways)
            {
                Block actual = block.Copy();
                forward(actual);
                expected.AssertForwardEqual(actual, name, maps: false);
                actual.AssertMapsUntouched(block, name);
                actual.AssertMeansReproduce(expected.XHat, name);
                backward(actual, true);
                expected.AssertBackwardEqual(actual, name);

                Block noDx = block.Copy();
                forward(noDx);
                backward(noDx, false);
                expectedNoDx.AssertBackwardEqual(noDx, name + ", no dx");
            }
        }

        /// <summary>
        /// The generated training pass rectifies in place (y and relu one buffer) and gives the backward ReLU's outputs as
        /// its y: every value the backward and the next layer read is the same.
        /// </summary>
        private static void AssertInPlaceMatches(Block block, bool planes)
        {
            Block expected = block.Copy();
            expected.ForwardOneByOne();
            expected.BackwardOneByOne(inputGradient: true);
            Block inPlace = block.Copy();
            inPlace.ForwardFusedInPlace();
            expected.AssertForwardEqual(inPlace, "in place", includingY: false);
            inPlace.BackwardFusedFromRelu();
            expected.AssertBackwardEqual(inPlace, "in place");
            if (planes)
            {
                Block inPlacePlanes = block.Copy();
                inPlacePlanes.ForwardPlanesInPlace();
                expected.AssertForwardEqual(inPlacePlanes, "planes in place", includingY: false);
            }
        }

        [Fact]
        public void Large_maps_split_over_threads_give_the_one_thread_results()
        {
            // 4 × 4 maps of 96 × 96 (147,456 values): above the split threshold on a machine with 2 or more processors.
            var block = new Block(4, 4, 96, 96, 2, 2, seed: 3);
            Block expected = block.Copy(), fused = block.Copy();
            expected.ForwardOneByOne();
            fused.ForwardFused();
            expected.AssertForwardEqual(fused, "fused");
            expected.BackwardOneByOne(inputGradient: true);
            fused.BackwardFused(inputGradient: true);
            expected.AssertBackwardEqual(fused, "fused");
            AssertInPlaceMatches(block, planes: false);
            AssertPooledOnlyMatches(block, planes: true);
        }

        [Fact]
        public void Ties_zeros_and_a_NaN_go_where_the_three_kernels_send_them()
        {
            // Inputs of a few levels make ties in the pooling windows and many zeros after ReLU; a NaN propagates.
            var block = new Block(3, 2, 8, 8, 2, 2, seed: 4);
            for (int i = 0; i < block.X.Length; i++)
            {
                block.X[i] = T.CreateTruncating(Math.Round(double.CreateTruncating(block.X[i])));
            }

            block.X[37] = T.NaN;
            Block expected = block.Copy(), fused = block.Copy();
            expected.ForwardOneByOne();
            fused.ForwardFused();
            expected.AssertForwardEqual(fused, "fused");
            expected.BackwardOneByOne(inputGradient: true);
            fused.BackwardFused(inputGradient: true);
            expected.AssertBackwardEqual(fused, "fused");
            AssertInPlaceMatches(block, planes: false);
            AssertPooledOnlyMatches(block, planes: Vector.IsHardwareAccelerated);
        }

        [Theory]
        [InlineData(3, 2, 8, 8, 2, 2)]
        [InlineData(2, 3, 9, 9, 3, 2)]
        [InlineData(4, 2, 2, 2, 2, 2)]
        public void All_negative_maps_pool_zeros_and_pass_no_gradient_through_the_ReLU(int batch, int channels, int height, int width, int size, int stride)
        {
            // β far below the normalized values: every y < 0, every rectified value 0, each window's first position
            // its argmax, and the gradient stops at the ReLU (dγ and dβ unchanged, dx 0).
            var block = new Block(batch, channels, height, width, size, stride, seed: 6);
            block.Beta.AsSpan().Fill(T.CreateTruncating(-100));
            Block expected = block.Copy();
            expected.ForwardOneByOne();
            Assert.All(expected.Pooled, v => Assert.Equal(T.Zero, v));
            AssertPooledOnlyMatches(block, planes: Vector.IsHardwareAccelerated && height * width >= Vector<T>.Count);
            Block pooledOnly = block.Copy();
            pooledOnly.ForwardPooledOnly();
            pooledOnly.BackwardFromInputs(inputGradient: true);
            Assert.Equal(block.DGamma, pooledOnly.DGamma);
            Assert.Equal(block.DBeta, pooledOnly.DBeta);
            Assert.All(pooledOnly.DX, v => Assert.True(v == T.Zero, $"dx {v}"));
        }

        [Fact]
        public void Bad_lengths_and_indexes_are_refused_and_change_nothing()
        {
            var block = new Block(2, 3, 8, 8, 2, 2, seed: 5);
            block.ForwardOneByOne();
            Block before = block.Copy();
            var error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, block.XHat, block.InverseStd, block.Y, block.Relu, block.Pooled.AsSpan(1), block.Argmax, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Momentum, Epsilon));
            Assert.Equal("pooled", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, block.XHat, block.InverseStd, block.Y, block.Relu, block.Pooled, block.Argmax, block.Batch, block.Channels, block.Height, block.Width, 9, block.Stride, Momentum, Epsilon));
            Assert.Equal("size", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardReLUMaxPool<T>(block.Argmax, block.DPooled, block.Y, block.DRelu, block.DY, block.XHat, block.InverseStd, block.Gamma, block.DGamma, block.DBeta, block.DX.AsSpan(2), block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride));
            Assert.Equal("dx", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, block.Mean.AsSpan(1), block.InverseStd, block.Pooled, block.Argmax, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Momentum, Epsilon));
            Assert.Equal("mean", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, block.Mean, block.InverseStd, block.Pooled, block.Argmax.AsSpan(1), block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Momentum, Epsilon));
            Assert.Equal("argmax", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardReLUMaxPoolFromInputs<T>(block.Argmax, block.DPooled, block.Pooled.AsSpan(1), block.X, block.Mean, block.InverseStd, block.Gamma, block.DGamma, block.DBeta, block.DX, block.DY, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride));
            Assert.Equal("pooled", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardReLUMaxPoolFromInputs<T>(block.Argmax, block.DPooled, block.Pooled, block.X, block.Mean, block.InverseStd, block.Gamma, block.DGamma, block.DBeta, block.DX, block.DY.AsSpan(1), block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride));
            Assert.Equal("dy", error.ParamName);
            before.AssertForwardEqual(block, "after refused calls");
            before.AssertBackwardEqual(block, "after refused calls");
            before.AssertScratchEqual(block, "after refused calls");
            Assert.Equal(before.Mean, block.Mean);

            // An index outside its own map: the fused pass cannot send a gradient to another map.
            // The indexes are all checked first: the earlier maps, whose indexes are good, are not written either.
            foreach (int bad in new[] { 0, -1, block.Y.Length })
            {
                int saved = block.Argmax[block.Argmax.Length - 1];
                block.Argmax[block.Argmax.Length - 1] = bad;
                error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardReLUMaxPool<T>(block.Argmax, block.DPooled, block.Y, block.DRelu, block.DY, block.XHat, block.InverseStd, block.Gamma, block.DGamma, block.DBeta, block.DX, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride));
                Assert.Equal("argmax", error.ParamName);
                Assert.Contains($"argmax[{block.Argmax.Length - 1}] = {bad}", error.Message);
                before.AssertBackwardEqual(block, $"after a refused index {bad}");
                before.AssertScratchEqual(block, $"after a refused index {bad}");
                error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardReLUMaxPoolFromInputs<T>(block.Argmax, block.DPooled, block.Pooled, block.X, block.Mean, block.InverseStd, block.Gamma, block.DGamma, block.DBeta, block.DX, block.DY, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride));
                Assert.Equal("argmax", error.ParamName);
                before.AssertBackwardEqual(block, $"after a refused index {bad}, from the inputs");
                before.AssertScratchEqual(block, $"after a refused index {bad}, from the inputs");
                block.Argmax[block.Argmax.Length - 1] = saved;
            }
        }

        /// <summary>The spans of one block's call and the three ways to compute them.</summary>
        private sealed class Block
        {
            public Block(int batch, int channels, int height, int width, int size, int stride, int seed)
            {
                (Batch, Channels, Height, Width, Size, Stride) = (batch, channels, height, width, size, stride);
                int length = batch * channels * height * width;
                int pooled = batch * channels * (((height - size) / stride) + 1) * (((width - size) / stride) + 1);
                X = TestMath.To<T>(TestMath.Uniform(length, seed, -3, 5));
                Gamma = TestMath.To<T>(TestMath.Uniform(channels, seed + 1, 0.5, 1.5));
                Beta = TestMath.To<T>(TestMath.Uniform(channels, seed + 2));
                RunningMean = TestMath.To<T>(TestMath.Uniform(channels, seed + 3));
                RunningVariance = TestMath.To<T>(TestMath.Uniform(channels, seed + 4, 0.5, 2));
                XHat = new T[length];
                InverseStd = new T[channels];
                Mean = TestMath.Garbage<T>(channels);
                Y = new T[length];
                Relu = new T[length];
                Pooled = new T[pooled];
                Argmax = new int[pooled];
                DPooled = TestMath.To<T>(TestMath.Uniform(pooled, seed + 5));
                DRelu = TestMath.Garbage<T>(length);
                DY = TestMath.Garbage<T>(length);
                DGamma = TestMath.To<T>(TestMath.Uniform(channels, seed + 6));
                DBeta = TestMath.To<T>(TestMath.Uniform(channels, seed + 7));
                DX = TestMath.Garbage<T>(length);
            }

            private Block(Block other)
            {
                (Batch, Channels, Height, Width, Size, Stride) = (other.Batch, other.Channels, other.Height, other.Width, other.Size, other.Stride);
                (X, Gamma, Beta, RunningMean, RunningVariance) = ((T[])other.X.Clone(), (T[])other.Gamma.Clone(), (T[])other.Beta.Clone(), (T[])other.RunningMean.Clone(), (T[])other.RunningVariance.Clone());
                (XHat, InverseStd, Y, Relu, Pooled, Argmax) = ((T[])other.XHat.Clone(), (T[])other.InverseStd.Clone(), (T[])other.Y.Clone(), (T[])other.Relu.Clone(), (T[])other.Pooled.Clone(), (int[])other.Argmax.Clone());
                Mean = (T[])other.Mean.Clone();
                (DPooled, DRelu, DY, DGamma, DBeta, DX) = ((T[])other.DPooled.Clone(), (T[])other.DRelu.Clone(), (T[])other.DY.Clone(), (T[])other.DGamma.Clone(), (T[])other.DBeta.Clone(), (T[])other.DX.Clone());
            }

            public int Batch { get; }

            public int Channels { get; }

            public int Height { get; }

            public int Width { get; }

            public int Size { get; }

            public int Stride { get; }

            public T[] X { get; }

            public T[] Gamma { get; }

            public T[] Beta { get; }

            public T[] RunningMean { get; }

            public T[] RunningVariance { get; }

            public T[] XHat { get; }

            public T[] InverseStd { get; }

            public T[] Mean { get; }

            public T[] Y { get; }

            public T[] Relu { get; }

            public T[] Pooled { get; }

            public int[] Argmax { get; }

            public T[] DPooled { get; }

            public T[] DRelu { get; }

            public T[] DY { get; }

            public T[] DGamma { get; }

            public T[] DBeta { get; }

            public T[] DX { get; }

            private int Spatial => Height * Width;

            public Block Copy() => new(this);

            public void ForwardOneByOne()
            {
                BatchNorm.ForwardTraining<T>(X, Gamma, Beta, RunningMean, RunningVariance, XHat, InverseStd, Y, Batch, Channels, Spatial, Momentum, Epsilon);
                Activations.ReLU<T>(Y, Relu);
                MaxPool2D.Forward<T>(Relu, Pooled, Argmax, Batch, Channels, Height, Width, Size, Stride);
            }

            public void ForwardFused() =>
                BatchNorm.ForwardTrainingReLUMaxPool<T>(X, Gamma, Beta, RunningMean, RunningVariance, XHat, InverseStd, Y, Relu, Pooled, Argmax, Batch, Channels, Height, Width, Size, Stride, Momentum, Epsilon);

            /// <summary>As the generated training pass calls it: BatchNorm's output rectified in place in <see cref="Relu"/>.</summary>
            public void ForwardFusedInPlace() =>
                BatchNorm.ForwardTrainingReLUMaxPool<T>(X, Gamma, Beta, RunningMean, RunningVariance, XHat, InverseStd, Relu, Relu, Pooled, Argmax, Batch, Channels, Height, Width, Size, Stride, Momentum, Epsilon);

            public void ForwardPlanesInPlace() =>
                BatchNorm.ForwardTrainingReLUMaxPoolPlanes<T>(X, Gamma, Beta, RunningMean, RunningVariance, XHat, InverseStd, Relu, Relu, Pooled, Argmax, Batch, Geometry(), Momentum, Epsilon, 0, Channels);

            /// <summary>The backward with ReLU's outputs as its mask, as the generated training pass calls it.</summary>
            public void BackwardFusedFromRelu() =>
                BatchNorm.BackwardReLUMaxPool<T>(Argmax, DPooled, Relu, DRelu, DY, XHat, InverseStd, Gamma, DGamma, DBeta, DX, Batch, Channels, Height, Width, Size, Stride);

            /// <summary>The per-map pass itself on one thread, whatever the map size (the public call takes it only for maps of a vector or more).</summary>
            public void ForwardPlanes() =>
                BatchNorm.ForwardTrainingReLUMaxPoolPlanes<T>(X, Gamma, Beta, RunningMean, RunningVariance, XHat, InverseStd, Y, Relu, Pooled, Argmax, Batch, Geometry(), Momentum, Epsilon, 0, Channels);

            public void ForwardPooledOnly() =>
                BatchNorm.ForwardTrainingReLUMaxPool<T>(X, Gamma, Beta, RunningMean, RunningVariance, Mean, InverseStd, Pooled, Argmax, Batch, Channels, Height, Width, Size, Stride, Momentum, Epsilon);

            public void ForwardPooledOnlyPlanes() =>
                BatchNorm.ForwardTrainingReLUMaxPoolPooledPlanes<T>(X, Gamma, Beta, RunningMean, RunningVariance, Mean, InverseStd, Pooled, Argmax, Batch, Geometry(), Momentum, Epsilon, 0, Channels);

            public void BackwardFromInputs(bool inputGradient) =>
                BatchNorm.BackwardReLUMaxPoolFromInputs<T>(Argmax, DPooled, Pooled, X, Mean, InverseStd, Gamma, DGamma, DBeta, inputGradient ? DX : Span<T>.Empty, DY, Batch, Channels, Height, Width, Size, Stride);

            public void BackwardFromInputsPlanes(bool inputGradient) =>
                BatchNorm.BackwardReLUMaxPoolFromInputsPlanes<T>(Argmax, DPooled, Pooled, X, Mean, InverseStd, Gamma, DGamma, DBeta, inputGradient ? DX : Span<T>.Empty, DY, Batch, Geometry(), inputGradient, 0, Channels);

            /// <summary>The pooled-only pass writes no full map: x̂, y and relu are as they were before it.</summary>
            public void AssertMapsUntouched(Block before, string what)
            {
                Equal(before.XHat, XHat, what + ": xHat untouched");
                Equal(before.Y, Y, what + ": y untouched");
                Equal(before.Relu, Relu, what + ": relu untouched");
            }

            /// <summary>(x − μ) · invStd from the kept means gives the x̂ the full pass stored, bit for bit.</summary>
            public void AssertMeansReproduce(T[] xHat, string what)
            {
                var recomputed = new T[X.Length];
                for (int i = 0; i < X.Length; i++)
                {
                    int f = (i / Spatial) % Channels;
                    recomputed[i] = (X[i] - Mean[f]) * InverseStd[f];
                }

                Equal(xHat, recomputed, what + ": (x − mean) · inverseStd");
            }

            public void BackwardOneByOne(bool inputGradient)
            {
                MaxPool2D.Backward<T>(Argmax, DPooled, DRelu, Batch, Channels, Height, Width, Size, Stride);
                Activations.ReLUBackward<T>(Y, DRelu, DY);
                BatchNorm.Backward<T>(XHat, InverseStd, Gamma, DY, DGamma, DBeta, inputGradient ? DX : Span<T>.Empty, Batch, Channels, Spatial);
            }

            public void BackwardFused(bool inputGradient) =>
                BatchNorm.BackwardReLUMaxPool<T>(Argmax, DPooled, Y, DRelu, DY, XHat, InverseStd, Gamma, DGamma, DBeta, inputGradient ? DX : Span<T>.Empty, Batch, Channels, Height, Width, Size, Stride);

            public void BackwardPlanes(bool inputGradient) =>
                BatchNorm.BackwardReLUMaxPoolPlanes<T>(Argmax, DPooled, Y, DY, XHat, InverseStd, Gamma, DGamma, DBeta, inputGradient ? DX : Span<T>.Empty, Batch, Geometry(), inputGradient, 0, Channels);

            public void AssertForwardEqual(Block actual, string what, bool includingY = true, bool maps = true)
            {
                Equal(RunningMean, actual.RunningMean, what + ": runningMean");
                Equal(RunningVariance, actual.RunningVariance, what + ": runningVariance");
                Equal(InverseStd, actual.InverseStd, what + ": inverseStd");
                if (maps)
                {
                    Equal(XHat, actual.XHat, what + ": xHat");
                    if (includingY)
                    {
                        Equal(Y, actual.Y, what + ": y");
                    }

                    Equal(Relu, actual.Relu, what + ": relu");
                }

                Equal(Pooled, actual.Pooled, what + ": pooled");
                Assert.Equal(Argmax, actual.Argmax);
            }

            public void AssertBackwardEqual(Block actual, string what)
            {
                Equal(DGamma, actual.DGamma, what + ": dgamma");
                Equal(DBeta, actual.DBeta, what + ": dbeta");
                Equal(DX, actual.DX, what + ": dx");
            }

            /// <summary>The backward pass's scratch too: a refused call must not have touched it either.</summary>
            public void AssertScratchEqual(Block actual, string what)
            {
                Equal(DRelu, actual.DRelu, what + ": dRelu");
                Equal(DY, actual.DY, what + ": dy");
            }

            private WindowGeometry Geometry() => new(Channels, Height, Width, Size, Size, Stride, Stride, 0, 0);

            // Bit for bit, NaN included (Assert.Equal on floating-point arrays treats NaN as equal to NaN, but not -0 as +0).
            private static void Equal(T[] expected, T[] actual, string what)
            {
                Assert.True(expected.Length == actual.Length, what);
                for (int i = 0; i < expected.Length; i++)
                {
                    bool same = T.IsNaN(expected[i]) ? T.IsNaN(actual[i]) : expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]);
                    Assert.True(same, $"{what}[{i}]: {expected[i]} expected, {actual[i]} computed");
                }
            }
        }
    }

    public sealed class BatchNormReLUMaxPoolSingleTests : BatchNormReLUMaxPoolTests<float>
    {
    }

    public sealed class BatchNormReLUMaxPoolDoubleTests : BatchNormReLUMaxPoolTests<double>
    {
    }
}
