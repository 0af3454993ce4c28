using System;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    // The backward pass of BatchNorm → ReLU → MaxPool2D over convolution maps, the block of most CNNs, as one pass over
    // each map: the unpooled, masked gradient is summed while it is still in the L1 cache. Every value equals what the
    // three kernels compute one after the other, bit for bit, and every buffer they write is written. (A fused forward
    // pass lost to the three kernels in most interleaved runs, docs/benchmarks.md, and was removed.)
    public static unsafe partial class BatchNorm
    {
        /// <summary>
        /// The backward pass of BatchNorm → ReLU → MaxPool2D: <see cref="MaxPool2D.Backward"/>, then
        /// <see cref="Activations.ReLUBackward"/>, then <see cref="Backward"/>, in one pass per map, writing the same
        /// values to the same spans: <c>dRelu = 0</c>, then <c>dRelu[argmax[k]] += dPooled[k]</c>;
        /// <c>dy = y &gt; 0 ? dRelu : 0</c>; <c>dγ += Σ dy ⊙ x̂</c>, <c>dβ += Σ dy</c> and
        /// <c>dx = (γ · inverseStd / m) · (m · dy − Σ dy − x̂ · Σ dy ⊙ x̂)</c> per channel.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes the forward pass wrote <c>[batch × channels × Ho × Wo]</c>; each must lie in its own map.</param>
        /// <param name="dPooled">The gradient with respect to the pooled maps, as <paramref name="argmax"/>.</param>
        /// <param name="y">BatchNorm's outputs (ReLU's inputs) <c>[batch × channels × height × width]</c>.</param>
        /// <param name="dRelu">The gradient with respect to ReLU's outputs, as <paramref name="y"/>, overwritten.</param>
        /// <param name="dy">The gradient with respect to BatchNorm's outputs, as <paramref name="y"/>, overwritten.</param>
        /// <param name="xHat">The normalized inputs the forward pass kept, as <paramref name="y"/>.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> the forward pass kept <c>[channels]</c>.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="dgamma">The gradient with respect to γ <c>[channels]</c>, accumulated into.</param>
        /// <param name="dbeta">The gradient with respect to β <c>[channels]</c>, accumulated into.</param>
        /// <param name="dx">The gradient with respect to BatchNorm's inputs, as <paramref name="y"/>, overwritten; empty to skip it.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size.</param>
        /// <param name="stride">The pooling stride.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index of <paramref name="argmax"/> is not in its map.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardReLUMaxPool<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> y,
            Span<T> dRelu,
            Span<T> dy,
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry pool = PoolGeometry(batch, channels, height, width, size, stride);
            int spatial = height * width;
            int length = CheckInput(y.Length, batch, channels, spatial, nameof(y));
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            Check.Length(dPooled.Length, pooledLength, nameof(dPooled), "batch × channels × Ho × Wo");
            Check.Length(dRelu.Length, length, nameof(dRelu), "batch × channels × height × width");
            Check.Length(dy.Length, length, nameof(dy), "batch × channels × height × width");
            Check.Length(xHat.Length, length, nameof(xHat), "batch × channels × height × width");
            CheckFeatures(inverseStd.Length, channels, nameof(inverseStd));
            CheckFeatures(gamma.Length, channels, nameof(gamma));
            CheckFeatures(dgamma.Length, channels, nameof(dgamma));
            CheckFeatures(dbeta.Length, channels, nameof(dbeta));
            bool hasInputGradient = Check.Optional(dx.Length, length, nameof(dx), "batch × channels × height × width");
            CheckOwnMaps(argmax, batch * channels, pool.Positions, spatial);
            if (!FusesPlanes<T>(spatial))
            {
                MaxPool2D.Backward(argmax, dPooled, dRelu, batch, channels, height, width, size, stride);
                Activations.ReLUBackward<T>(y, dRelu, dy);
                Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, channels, spatial);
                return;
            }

            int threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                BackwardReLUMaxPoolPlanes(argmax, dPooled, y, dRelu, dy, xHat, inverseStd, gamma, dgamma, dbeta, dx, batch, pool, hasInputGradient, 0, channels);
                return;
            }

            fixed (T* pdPooled = dPooled, py = y, pdRelu = dRelu, pdy = dy, pxHat = xHat, pinverseStd = inverseStd, pgamma = gamma, pdgamma = dgamma, pdbeta = dbeta, pdx = dx)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolBackward;
                (job.Batch, job.Features, job.Spatial, job.Units, job.Flag, job.Geometry) = (batch, channels, spatial, channels, hasInputGradient, pool);
                job.Set(0, pdPooled, dPooled.Length);
                job.Set(1, py, y.Length);
                job.Set(2, pdRelu, dRelu.Length);
                job.Set(3, pdy, dy.Length);
                job.Set(4, pxHat, xHat.Length);
                job.Set(5, pinverseStd, inverseStd.Length);
                job.Set(6, pgamma, gamma.Length);
                job.Set(7, pdgamma, dgamma.Length);
                job.Set(8, pdbeta, dbeta.Length);
                job.Set(9, pdx, dx.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// Throws unless each of the <paramref name="maps"/> maps' <paramref name="positions"/> indexes lies in that map of
        /// <paramref name="spatial"/> values: checked before anything is written.
        /// </summary>
        private static void CheckOwnMaps(ReadOnlySpan<int> argmax, int maps, int positions, int spatial)
        {
            for (int plane = 0; plane < maps; plane++)
            {
                int start = plane * spatial, bad = Pooling.FirstOutside(argmax.Slice(plane * positions, positions), start, spatial);
                if (bad >= 0)
                {
                    int k = (plane * positions) + bad;
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"argmax[{k}] = {argmax[k]} is not an index of its map [{start}, {start + spatial}) of y: pass the indexes written by the forward pass."), nameof(argmax));
                }
            }
        }

        /// <summary>Whether the fused kernel runs its pass per map: when <see cref="Backward"/> would take its per-map vector loops.</summary>
        private static bool FusesPlanes<T>(int spatial)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.IsHardwareAccelerated && spatial >= Vector<T>.Count;

        private static WindowGeometry PoolGeometry(int batch, int channels, int height, int width, int size, int stride)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(size, nameof(size));
            Check.Positive(stride, nameof(stride));
            return WindowGeometry.Create(channels, height, width, size, size, stride, stride, 0, 0, nameof(size), oneDimensional: false);
        }

        /// <summary>Channels <c>[f0, f1)</c> of <see cref="BackwardReLUMaxPool"/>: each map unpooled and masked, then summed while in cache, then <see cref="BackwardPlanes"/>'s input gradient.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardReLUMaxPoolPlanes<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> y,
            Span<T> dRelu,
            Span<T> dy,
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            in WindowGeometry pool,
            bool hasInputGradient,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, positions = pool.Positions;
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = f0; f < f1; f++)
            {
                T sumDy = T.Zero;
                T sumDyXHat = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int plane = (s * features) + f, start = plane * spatial;
                    Span<T> dRelus = dRelu.Slice(start, spatial), dys = dy.Slice(start, spatial);

                    // dRelu = 0, then dRelu[argmax[k]] += dPooled[k];  dy = y > 0 ? dRelu : 0
                    dRelus.Clear();
                    for (int k = plane * positions, end = k + positions; k < end; k++)
                    {
                        dRelus[argmax[k] - start] += dPooled[k];
                    }

                    Activations.ReLUBackwardRun<T>(y.Slice(start, spatial), dRelus, dys);

                    // Σdy and Σdy·x̂
                    (T partialDy, T partialDyXHat) = Planes.SumWithProduct<T>(dys, xHat.Slice(start, spatial));
                    sumDy += partialDy;
                    sumDyXHat += partialDyXHat;
                }

                FinishChannel(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, spatial, hasInputGradient, f, m, sumDy, sumDyXHat);
            }
        }
    }
}
