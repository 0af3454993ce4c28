using System;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetGen.Threading;

namespace NetGen.Kernels
{
    /// <summary>
    /// The geometry of a convolution or pooling window over one sample: <c>channels × height × width</c> input, a
    /// <c>kernelHeight × kernelWidth</c> window moved by the strides, with zero padding on each side. A 1-D layer is the
    /// same with height 1, kernel height 1, stride 1 and no vertical padding.
    /// </summary>
    internal readonly struct WindowGeometry
    {
        public WindowGeometry(int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth)
        {
            Channels = channels;
            Height = height;
            Width = width;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            StrideHeight = strideHeight;
            StrideWidth = strideWidth;
            PaddingHeight = paddingHeight;
            PaddingWidth = paddingWidth;
            OutputHeight = ((height + (2 * paddingHeight) - kernelHeight) / strideHeight) + 1;
            OutputWidth = ((width + (2 * paddingWidth) - kernelWidth) / strideWidth) + 1;
        }

        public int Channels { get; }

        public int Height { get; }

        public int Width { get; }

        public int KernelHeight { get; }

        public int KernelWidth { get; }

        public int StrideHeight { get; }

        public int StrideWidth { get; }

        public int PaddingHeight { get; }

        public int PaddingWidth { get; }

        /// <summary><c>⌊(height + 2·paddingHeight − kernelHeight)/strideHeight⌋ + 1</c>.</summary>
        public int OutputHeight { get; }

        /// <summary><c>⌊(width + 2·paddingWidth − kernelWidth)/strideWidth⌋ + 1</c>.</summary>
        public int OutputWidth { get; }

        /// <summary>Values of one input sample: <c>C·H·W</c>.</summary>
        public int InputLength => Channels * Height * Width;

        /// <summary>Output positions per channel: <c>Ho·Wo</c>.</summary>
        public int Positions => OutputHeight * OutputWidth;

        /// <summary>Values under one window across all channels: <c>C·kh·kw</c> (a row of the weight matrix).</summary>
        public int PatchLength => Channels * KernelHeight * KernelWidth;

        /// <summary>Whether a patch matrix would be the input itself (1×1 window, stride 1, no padding).</summary>
        public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1 && PaddingHeight == 0 && PaddingWidth == 0;

        /// <summary>
        /// Validates the input dimensions (≥ 1), that the window fits the padded input, and that every length fits an
        /// <see cref="int"/>. The callers have checked the window, stride and padding, under their own parameter names;
        /// <paramref name="windowName"/> is the public name of the window size (<c>kernel</c> or <c>size</c>), and a 1-D
        /// layer passes height 1 and calls its width <c>length</c>.
        /// </summary>
        public static WindowGeometry Create(int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, string windowName, bool oneDimensional)
        {
            Check.Positive(channels, nameof(channels));
            if (oneDimensional)
            {
                Check.Positive(width, "length");
            }
            else
            {
                Check.Positive(height, nameof(height));
                Check.Positive(width, nameof(width));
            }

            Check.Product(channels, height, width, oneDimensional ? "channels × length" : "channels × height × width");
            Check.Product(channels, kernelHeight, kernelWidth, oneDimensional ? "channels × kernel" : "channels × kernel × kernel");
            if (height + (2L * paddingHeight) < kernelHeight || width + (2L * paddingWidth) < kernelWidth)
            {
                string message = oneDimensional
                    ? string.Create(CultureInfo.InvariantCulture, $"The window of {kernelWidth} is longer than the padded input of {width + (2L * paddingWidth)} (length {width} + 2·{paddingWidth}): there is no output position.")
                    : string.Create(CultureInfo.InvariantCulture, $"The window of {kernelHeight}×{kernelWidth} does not fit the padded input of {height + (2L * paddingHeight)}×{width + (2L * paddingWidth)} ({height}×{width} + 2·{paddingWidth} on each axis): there is no output position.");
                throw new ArgumentException(message, windowName);
            }

            var geometry = new WindowGeometry(channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth);
            Check.Product(geometry.PatchLength, geometry.Positions, "patch × positions");
            return geometry;
        }
    }

    /// <summary>
    /// Convolution as a matrix product (im2col): the patches under the window become a matrix, and the layer is a GEMM
    /// with its weight matrix <c>W [filters × C·kh·kw]</c>. Shared by <see cref="Conv2D"/> and <see cref="Conv1D"/>;
    /// callers validate the lengths.
    /// </summary>
    /// <remarks>
    /// Per sample, with the patches as columns, <c>Cols [Q × P]</c> (Q = C·kh·kw values per patch, P = Ho·Wo positions):
    /// forward <c>Y = W · Cols + b</c>, which comes out in channel-major (NCHW) order; backward <c>dW += dY · Colsᵀ</c>
    /// (accumulated by the GEMM itself, sample after sample), and the patch gradients <c>dCols = Wᵀ · dY</c> added back
    /// where each patch was taken (col2im) for <c>dX</c>. With stride 1, <c>dCols [Q × P]</c> is used: its rows are the
    /// map's rows, so col2im adds whole runs by vectors (for a same-size convolution, one flat run per patch row), and
    /// with the 6 × 2 tiles the two products take the same time at the Fashion CNN's 32 → 64 layer (Q = 288, P = 196).
    /// With a larger stride and a patch longer than the map (Q &gt; P) <c>dX</c> goes through the transposed form
    /// <c>dRows = dYᵀ · W</c> <c>[P × Q]</c>, whose longer output rows suit the GEMM better.
    /// <para>
    /// A batch with enough work is split by samples over the worker pool (up to
    /// <see cref="NetGenOptions.MaxDegreeOfParallelism"/> threads): every step of a sample, im2col and col2im included,
    /// then runs in parallel, where splitting each sample's GEMMs would leave those steps on one thread. The first part
    /// uses the caller's workspace and gradients; the others (up to four parts per thread, claimed by whichever thread is
    /// free) use workspaces and partial gradients that the call's cached job keeps (allocated once, at the largest size
    /// seen), summed into <c>dW</c> and <c>db</c> at the end.
    /// </para>
    /// </remarks>
    internal static unsafe class Convolution
    {
        /// <summary>
        /// The workspace one call needs: the patch matrix <c>[Q × P]</c>, then room for <c>dYᵀ [P × F]</c> in the backward
        /// pass: <c>Q·P + F·max(P, Q)</c> (the generated code allocates this length; only <c>Q·P + F·P</c> is used now).
        /// </summary>
        public static int WorkspaceLength(in WindowGeometry geometry, int filters)
        {
            long patch = geometry.PatchLength, positions = geometry.Positions;
            long length = (patch * positions) + (filters * System.Math.Max(patch, positions));
            if (length > int.MaxValue)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The workspace of Q·P + F·max(P, Q) = {length} values is too large for a span."));
            }

            return (int)length;
        }

        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> workspace, int batch, in WindowGeometry geometry, int filters, bool hasBias)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Forward(x, w, b, y, workspace, batch, geometry, filters, hasBias, Gemm.DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);

        /// <summary>The forward pass on the given GEMM path with at most <paramref name="maxThreads"/> threads (tests run every path).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> workspace, int batch, in WindowGeometry geometry, int filters, bool hasBias, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int threads = SampleThreads(batch, geometry, filters, maxThreads);
            if (threads <= 1)
            {
                ForwardSamples(x, w, b, y, workspace, 0, batch, geometry, filters, hasBias, path, maxThreads);
                return;
            }

            fixed (T* px = x, pw = w, pb = b, py = y, pworkspace = workspace)
            {
                ConvolutionJob<T> job = ConvolutionJob<T>.ForThisThread();
                int parts = Parts(batch, threads);
                job.Prepare(parts, workspace.Length, 0);

                // Winograd's transformed kernels, once for all the parts.
                if (ShareTransformedWeights && Winograd.Applies(geometry, filters, path))
                {
                    Winograd.TransformWeights(w, job.Transformed(Winograd.TransformedLength(filters, geometry.Channels)), filters, geometry.Channels, flip: false);
                }

                job.Set(backward: false, path, px, x.Length, pw, w.Length, pb, b.Length, py, y.Length, null, 0, null, 0, pworkspace, workspace.Length, batch, geometry, filters, hasBias, hasInputGradient: false);
                try
                {
                    WorkerPool.Shared.Run(job, parts, threads);
                }
                finally
                {
                    job.Clear();
                }
            }
        }

        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, Span<T> workspace, int batch, in WindowGeometry geometry, int filters, bool hasBias, bool hasInputGradient)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Backward(x, w, dy, dw, db, dx, workspace, batch, geometry, filters, hasBias, hasInputGradient, Gemm.DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);

        /// <summary>The backward pass on the given GEMM path with at most <paramref name="maxThreads"/> threads (tests run every path).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, Span<T> workspace, int batch, in WindowGeometry geometry, int filters, bool hasBias, bool hasInputGradient, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int threads = SampleThreads(batch, geometry, filters, maxThreads);
            if (threads <= 1)
            {
                BackwardSamples(x, w, dy, dw, db, dx, workspace, 0, batch, geometry, filters, hasBias, hasInputGradient, path, maxThreads);
                return;
            }

            fixed (T* px = x, pw = w, pdy = dy, pdw = dw, pdb = db, pdx = dx, pworkspace = workspace)
            {
                ConvolutionJob<T> job = ConvolutionJob<T>.ForThisThread();
                int gradients = dw.Length + (hasBias ? db.Length : 0);
                int parts = Parts(batch, threads);
                job.Prepare(parts, workspace.Length, gradients);
                if (ShareTransformedWeights && hasInputGradient && Winograd.AppliesToInputGradient(geometry, filters, path) && Winograd.PaysForInputGradient(path))
                {
                    Winograd.TransformWeights(w, job.Transformed(Winograd.TransformedLength(filters, geometry.Channels)), filters, geometry.Channels, flip: true);
                }

                job.Set(backward: true, path, px, x.Length, pw, w.Length, pdy, dy.Length, pdx, dx.Length, pdw, dw.Length, pdb, hasBias ? db.Length : 0, pworkspace, workspace.Length, batch, geometry, filters, hasBias, hasInputGradient);
                try
                {
                    WorkerPool.Shared.Run(job, parts, threads);

                    // The other parts' gradients, summed into the caller's (part 0 accumulated there directly).
                    for (int part = 1; part < parts; part++)
                    {
                        Span<T> partial = job.Gradients(part, gradients);
                        TensorPrimitives.Add(dw, partial.Slice(0, dw.Length), dw);
                        if (hasBias)
                        {
                            TensorPrimitives.Add(db, partial.Slice(dw.Length, db.Length), db);
                        }
                    }
                }
                finally
                {
                    job.Clear();
                }
            }
        }

        /// <summary>
        /// Whether a batch is split by samples (the default); when false each sample's GEMMs are split instead, as before
        /// the split by samples. Only the benchmarks change it, to compare the two in one run; only speed depends on it.
        /// </summary>
        internal static bool SplitBySamples { get; set; } = true;

        /// <summary>
        /// Whether a call split by samples transforms Winograd's kernels once for all its parts (the default) rather than
        /// in each part. Only the benchmarks change it, to compare the two in one run; only speed depends on it.
        /// </summary>
        internal static bool ShareTransformedWeights { get; set; } = true;

        /// <summary>
        /// How many threads a call splits its samples over: one per <see cref="Gemm.ParallelGrain"/> multiply-adds of the
        /// forward products (<c>batch · F · Q · P</c>), at most one per sample and <paramref name="maxThreads"/>.
        /// </summary>
        internal static int SampleThreads(int batch, in WindowGeometry geometry, int filters, int maxThreads)
        {
            if (batch < 2 || maxThreads <= 1 || !SplitBySamples)
            {
                return 1;
            }

            long work = (long)batch * filters * geometry.PatchLength * geometry.Positions;
            long byWork = work / Gemm.ParallelGrain;
            return (int)Math.Max(1, Math.Min(Math.Min(maxThreads, batch), byWork));
        }

        /// <summary>
        /// How many parts the samples are cut into for <paramref name="threads"/> threads: up to four per thread, so that
        /// when a thread falls behind (the machine is busy) the others take its parts instead of waiting for it.
        /// </summary>
        private static int Parts(int batch, int threads) => Math.Min(batch, 4 * threads);

        /// <summary>The forward pass of samples <c>[s0, s1)</c>; the GEMMs use at most <paramref name="maxThreads"/> threads.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardSamples<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> workspace, int s0, int s1, in WindowGeometry geometry, int filters, bool hasBias, GemmPath path, int maxThreads, ReadOnlySpan<T> transformed = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int inputLength = geometry.InputLength, positions = geometry.Positions, patch = geometry.PatchLength;
            int outputLength = filters * positions;
            Span<T> columns = workspace.Slice(0, patch * positions);
            if (Winograd.Applies(geometry, filters, path))
            {
                Winograd.Forward(x, w, b, y, s0, s1, geometry, filters, hasBias, path, maxThreads, transformed);
                return;
            }

            if (DirectConvolution.Applies<T>(geometry, path) && DirectConvolution.Pays(path))
            {
                for (int s = s0; s < s1; s++)
                {
                    DirectConvolution.Forward(x.Slice(s * inputLength, inputLength), w, b, y.Slice(s * outputLength, outputLength), columns, geometry, filters, hasBias, path);
                }

                return;
            }

            for (int s = s0; s < s1; s++)
            {
                ReadOnlySpan<T> xs = x.Slice(s * inputLength, inputLength);
                Span<T> ys = y.Slice(s * outputLength, outputLength);

                // Y[f, p] = Σ_q W[f, q] · Cols[q, p] + b[f]
                Gemm.Multiply(w, Patches(xs, columns, geometry), ys, filters, patch, positions, path, maxThreads);
                if (hasBias)
                {
                    for (int f = 0; f < filters; f++)
                    {
                        Span<T> row = ys.Slice(f * positions, positions);
                        TensorPrimitives.Add(row, b[f], row);
                    }
                }
            }
        }

        /// <summary>
        /// <c>Y += W ⊛ X</c> without bias, sample after sample (the GEMMs themselves may use up to
        /// <see cref="NetGenOptions.MaxDegreeOfParallelism"/> threads): each sample's product goes to the workspace's
        /// second part, <c>[F × P]</c>, and is then added to y. For tangents, <c>Ẏ = W ⊛ Ẋ + ḃ</c> then <c>Ẏ += Ẇ ⊛ X</c>.
        /// </summary>
        public static void AddForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, Span<T> workspace, int batch, in WindowGeometry geometry, int filters)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int inputLength = geometry.InputLength, positions = geometry.Positions, patch = geometry.PatchLength;
            int outputLength = filters * positions;
            Span<T> columns = workspace.Slice(0, patch * positions);
            Span<T> product = workspace.Slice(patch * positions, outputLength);
            int maxThreads = NetGenOptions.EffectiveDegreeOfParallelism;
            for (int s = 0; s < batch; s++)
            {
                Span<T> ys = y.Slice(s * outputLength, outputLength);

                // Y[f, p] += Σ_q W[f, q] · Cols[q, p]
                Gemm.Multiply(w, Patches(x.Slice(s * inputLength, inputLength), columns, geometry), product, filters, patch, positions, Gemm.DefaultPath, maxThreads);
                TensorPrimitives.Add(ys, product, ys);
            }
        }

        /// <summary>
        /// The backward pass of samples <c>[s0, s1)</c>, accumulating into <paramref name="dw"/> and <paramref name="db"/>;
        /// the GEMMs use at most <paramref name="maxThreads"/> threads.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardSamples<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, Span<T> workspace, int s0, int s1, in WindowGeometry geometry, int filters, bool hasBias, bool hasInputGradient, GemmPath path, int maxThreads, ReadOnlySpan<T> transformed = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int inputLength = geometry.InputLength, positions = geometry.Positions, patch = geometry.PatchLength;
            int outputLength = filters * positions;
            bool patchRows = patch > positions && geometry.StrideWidth != 1;
            bool winograd = hasInputGradient && Winograd.AppliesToInputGradient(geometry, filters, path) && Winograd.PaysForInputGradient(path);
            bool directWeightGradient = DirectConvolution.AppliesToWeightGradient(geometry, path);
            bool winogradWeights = !dw.IsEmpty && Winograd.AppliesToWeightGradient(geometry, filters, path);
            Span<T> columns = workspace.Slice(0, patch * positions);
            Span<T> dyTransposed = workspace.Slice(patch * positions, filters * positions);
            for (int s = s0; s < s1; s++)
            {
                ReadOnlySpan<T> xs = x.Slice(s * inputLength, inputLength);
                ReadOnlySpan<T> dys = dy.Slice(s * outputLength, outputLength);

                // dW[f, q] += Σ_p dY[f, p] · Cols[q, p]; an empty dW (input gradients only) skips it, Winograd's comes after the loop
                if (!dw.IsEmpty && !winogradWeights)
                {
                    if (directWeightGradient)
                    {
                        DirectConvolution.AddWeightGradient(dys, Patches(xs, columns, geometry), dw, filters, positions, path);
                    }
                    else
                    {
                        Gemm.AddMultiplyTransposedB(dys, Patches(xs, columns, geometry), dw, filters, positions, patch, path, maxThreads);
                    }
                }

                // db[f] += Σ_p dY[f, p]
                if (hasBias)
                {
                    for (int f = 0; f < filters; f++)
                    {
                        db[f] += TensorPrimitives.Sum(dys.Slice(f * positions, positions));
                    }
                }

                if (!hasInputGradient || winograd)
                {
                    continue;
                }

                // dX = the patch gradients added back where each patch was taken (col2im)
                Span<T> dxs = dx.Slice(s * inputLength, inputLength);
                dxs.Clear();
                if (patchRows)
                {
                    // dYᵀ[p, f] = dY[f, p];  dRows[p, q] = Σ_f dYᵀ[p, f] · W[f, q]
                    for (int f = 0; f < filters; f++)
                    {
                        ReadOnlySpan<T> row = dys.Slice(f * positions, positions);
                        for (int p = 0; p < positions; p++)
                        {
                            dyTransposed[(p * filters) + f] = row[p];
                        }
                    }

                    Gemm.Multiply(dyTransposed, w, columns, positions, filters, patch, path, maxThreads);
                    AddRowsBack(columns, dxs, geometry);
                }
                else
                {
                    // dCols[q, p] = Σ_f W[f, q] · dY[f, p]
                    Gemm.TransposedAMultiply(w, dys, columns, patch, filters, positions, path, maxThreads);
                    AddColumnsBack(columns, dxs, geometry);
                }
            }

            // dW[f, c] += Σ_s dY[s, f] ⋆ X[s, c], all the part's samples at once (Winograd's tiles over a group of samples)
            if (winogradWeights)
            {
                Winograd.AddWeightGradient(x, dy, dw, s0, s1, geometry, filters, path, maxThreads);
            }

            // dX = Σ_f flip(W[f]) ⋆ dY[f], all the part's samples at once (Winograd's tiles over a group of samples)
            if (winograd)
            {
                Winograd.InputGradient(dy, w, dx, s0, s1, geometry, filters, path, maxThreads, transformed);
            }
        }

        /// <summary>The patch matrix of one sample: the sample itself for a pointwise window, else im2col into <paramref name="columns"/>.</summary>
        private static ReadOnlySpan<T> Patches<T>(ReadOnlySpan<T> x, Span<T> columns, in WindowGeometry geometry)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (geometry.IsPointwise)
            {
                return x;
            }

            ToColumns(x, columns, geometry);
            return columns;
        }

        /// <summary>im2col: <c>columns[(c·kh + i)·kw + j, p] = x[c, oh·sh − ph + i, ow·sw − pw + j]</c> (0 in the padding), <c>p = oh·Wo + ow</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ToColumns<T>(ReadOnlySpan<T> x, Span<T> columns, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (IsSameSize(g))
            {
                SameSizeToColumns(x, columns, g);
                return;
            }

            int positions = g.Positions;
            int q = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                ReadOnlySpan<T> plane = x.Slice(c * g.Height * g.Width, g.Height * g.Width);
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    for (int j = 0; j < g.KernelWidth; j++, q++)
                    {
                        Span<T> column = columns.Slice(q * positions, positions);
                        for (int oh = 0; oh < g.OutputHeight; oh++)
                        {
                            Span<T> segment = column.Slice(oh * g.OutputWidth, g.OutputWidth);
                            int ih = (oh * g.StrideHeight) - g.PaddingHeight + i;
                            if ((uint)ih >= (uint)g.Height)
                            {
                                segment.Clear();
                                continue;
                            }

                            ReadOnlySpan<T> line = plane.Slice(ih * g.Width, g.Width);
                            int iw = j - g.PaddingWidth;
                            if (g.StrideWidth == 1)
                            {
                                // A run of the line, zeros where the window hangs over either end.
                                int first = Math.Max(0, -iw), end = Math.Min(segment.Length, line.Length - iw);
                                segment.Slice(0, first).Clear();
                                if (end > first)
                                {
                                    Copy(line.Slice(iw + first, end - first), segment.Slice(first, end - first));
                                }

                                segment.Slice(Math.Max(first, end)).Clear();
                                continue;
                            }

                            for (int ow = 0; ow < segment.Length; ow++, iw += g.StrideWidth)
                            {
                                segment[ow] = (uint)iw < (uint)line.Length ? line[iw] : T.Zero;
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Whether every output map has the input's size (stride 1, "same" padding: <c>2·p = k − 1</c> on both axes). Then
        /// patch row <c>(c, i, j)</c> is the input plane <c>c</c> shifted by <c>(i − ph)·W + (j − pw)</c> as one flat run,
        /// except for the <c>|j − pw|</c> values at the ends of each map row that the shift carries into the next row (and
        /// the rows off the top or bottom): those are the padding's zeros.
        /// </summary>
        private static bool IsSameSize(in WindowGeometry g) =>
            g.StrideHeight == 1 && g.StrideWidth == 1 && g.OutputHeight == g.Height && g.OutputWidth == g.Width;

        /// <summary>
        /// For patch row <c>(i, j)</c> of a same-size convolution: the shift of the flat run and the part of the map it
        /// covers, <c>[start, end)</c>, where <c>plane[p + shift]</c> lies inside the plane (the rest is padding).
        /// </summary>
        private static (int Shift, int Start, int End) SameSizeRun(in WindowGeometry g, int i, int j)
        {
            int planeLength = g.Height * g.Width;
            int shift = ((i - g.PaddingHeight) * g.Width) + (j - g.PaddingWidth);
            int start = Math.Clamp(-shift, 0, planeLength), end = Math.Clamp(planeLength - shift, start, planeLength);
            return (shift, start, end);
        }

        /// <summary>Zeros the values of patch row <paramref name="column"/> that a horizontal shift of <paramref name="dw"/> carried across a map row's end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ClearRowEnds<T>(Span<T> column, int dw, int width)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (dw == 0)
            {
                return;
            }

            // dw < 0: the first −dw values of each row read the row above's end; dw > 0: the last dw the next row's start.
            int first = dw < 0 ? 0 : width - dw, count = Math.Abs(dw);
            for (int row = 0; row < column.Length; row += width)
            {
                column.Slice(row + first, count).Clear();
            }
        }

        /// <summary>im2col of a same-size convolution (<see cref="IsSameSize"/>): one flat copy per patch row, then the padding's zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SameSizeToColumns<T>(ReadOnlySpan<T> x, Span<T> columns, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planeLength = g.Height * g.Width;
            int q = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                ReadOnlySpan<T> plane = x.Slice(c * planeLength, planeLength);
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    for (int j = 0; j < g.KernelWidth; j++, q++)
                    {
                        Span<T> column = columns.Slice(q * planeLength, planeLength);
                        (int shift, int start, int end) = SameSizeRun(g, i, j);
                        column.Slice(0, start).Clear();
                        plane.Slice(start + shift, end - start).CopyTo(column.Slice(start, end - start));
                        column.Slice(end).Clear();
                        ClearRowEnds(column, j - g.PaddingWidth, g.Width);
                    }
                }
            }
        }

        /// <summary>
        /// col2im of a same-size convolution: the padding's values of each patch row are zeroed in
        /// <paramref name="columns"/> (scratch), then the row is added to the plane as one flat run. Each value of
        /// <paramref name="dx"/> receives the same terms in the same order as in the general loop.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SameSizeAddColumnsBack<T>(Span<T> columns, Span<T> dx, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int planeLength = g.Height * g.Width;
            int q = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                Span<T> plane = dx.Slice(c * planeLength, planeLength);
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    for (int j = 0; j < g.KernelWidth; j++, q++)
                    {
                        Span<T> column = columns.Slice(q * planeLength, planeLength);
                        (int shift, int start, int end) = SameSizeRun(g, i, j);
                        ClearRowEnds(column, j - g.PaddingWidth, g.Width);
                        Span<T> target = plane.Slice(start + shift, end - start);
                        TensorPrimitives.Add(target, column.Slice(start, end - start), target);
                    }
                }
            }
        }

        /// <summary>
        /// Copies a short run (a row of an output map, often 7–28 values) by vectors, the last one overlapping the one before
        /// it: a call of <see cref="Span{T}.CopyTo"/> costs about as much as the copy at these lengths.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Copy<T>(ReadOnlySpan<T> source, Span<T> destination)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = source.Length, width = Vector<T>.Count;
            if (!Vector.IsHardwareAccelerated || n < width)
            {
                for (int k = 0; k < n; k++)
                {
                    destination[k] = source[k];
                }

                return;
            }

            ref T from = ref MemoryMarshal.GetReference(source);
            ref T to = ref MemoryMarshal.GetReference(destination);
            for (int k = 0; k < n - width; k += width)
            {
                Vector.LoadUnsafe(ref from, (nuint)k).StoreUnsafe(ref to, (nuint)k);
            }

            Vector.LoadUnsafe(ref from, (nuint)(n - width)).StoreUnsafe(ref to, (nuint)(n - width));
        }

        /// <summary><c>destination[k] += source[k]</c> over a short run, by vectors (the tail one value at a time).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddTo<T>(ReadOnlySpan<T> source, Span<T> destination)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = source.Length, k = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ref T from = ref MemoryMarshal.GetReference(source);
                ref T to = ref MemoryMarshal.GetReference(destination);
                for (; k <= n - Vector<T>.Count; k += Vector<T>.Count)
                {
                    (Vector.LoadUnsafe(ref to, (nuint)k) + Vector.LoadUnsafe(ref from, (nuint)k)).StoreUnsafe(ref to, (nuint)k);
                }
            }

            for (; k < n; k++)
            {
                destination[k] += source[k];
            }
        }

        /// <summary>col2im: <c>dx[c, oh·sh − ph + i, ow·sw − pw + j] += dColumns[(c·kh + i)·kw + j, p]</c>, padding dropped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void AddColumnsBack<T>(Span<T> columns, Span<T> dx, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (IsSameSize(g))
            {
                SameSizeAddColumnsBack(columns, dx, g);
                return;
            }

            int positions = g.Positions;
            int q = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                Span<T> plane = dx.Slice(c * g.Height * g.Width, g.Height * g.Width);
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    for (int j = 0; j < g.KernelWidth; j++, q++)
                    {
                        ReadOnlySpan<T> column = columns.Slice(q * positions, positions);
                        for (int oh = 0; oh < g.OutputHeight; oh++)
                        {
                            int ih = (oh * g.StrideHeight) - g.PaddingHeight + i;
                            if ((uint)ih >= (uint)g.Height)
                            {
                                continue;
                            }

                            ReadOnlySpan<T> segment = column.Slice(oh * g.OutputWidth, g.OutputWidth);
                            Span<T> line = plane.Slice(ih * g.Width, g.Width);
                            int iw = j - g.PaddingWidth;
                            if (g.StrideWidth == 1)
                            {
                                int first = Math.Max(0, -iw), end = Math.Min(segment.Length, line.Length - iw);
                                if (end > first)
                                {
                                    AddTo(segment.Slice(first, end - first), line.Slice(iw + first, end - first));
                                }

                                continue;
                            }

                            for (int ow = 0; ow < segment.Length; ow++, iw += g.StrideWidth)
                            {
                                if ((uint)iw < (uint)line.Length)
                                {
                                    line[iw] += segment[ow];
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>col2im for the transposed layout, one patch per row: <c>dx[c, oh·sh − ph + i, ow·sw − pw + j] += dRows[p, (c·kh + i)·kw + j]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddRowsBack<T>(ReadOnlySpan<T> rows, Span<T> dx, in WindowGeometry g)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int patch = g.PatchLength, planeLength = g.Height * g.Width;
            int p = 0;
            for (int oh = 0; oh < g.OutputHeight; oh++)
            {
                for (int ow = 0; ow < g.OutputWidth; ow++, p++)
                {
                    ReadOnlySpan<T> row = rows.Slice(p * patch, patch);
                    int top = (oh * g.StrideHeight) - g.PaddingHeight, left = (ow * g.StrideWidth) - g.PaddingWidth;
                    int q = 0;
                    for (int c = 0; c < g.Channels; c++)
                    {
                        Span<T> plane = dx.Slice(c * planeLength, planeLength);
                        for (int i = 0, ih = top; i < g.KernelHeight; i++, ih++)
                        {
                            if ((uint)ih >= (uint)g.Height)
                            {
                                q += g.KernelWidth;
                                continue;
                            }

                            Span<T> line = plane.Slice(ih * g.Width, g.Width);
                            for (int j = 0, iw = left; j < g.KernelWidth; j++, iw++, q++)
                            {
                                if ((uint)iw < (uint)line.Length)
                                {
                                    line[iw] += row[q];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A convolution split by samples, handed to <see cref="WorkerPool"/>: one cached instance per calling thread and
    /// element type, holding the call's pinned spans as pointers, and the workspaces and partial gradients of parts 1
    /// and up (grown to the largest size seen, then reused, so a call allocates nothing after warm-up).
    /// </summary>
    internal sealed unsafe class ConvolutionJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static ConvolutionJob<T>? t_job;

        private T[] _workspaces = [];
        private T[] _gradients = [];
        private T[] _transformed = [];
        private int _transformedLength;
        private int _workspaceLength;
        private int _gradientLength;

        private bool _backward;
        private GemmPath _path;
        private T* _x, _w, _b, _y, _dw, _db, _workspace;
        private int _xLength, _wLength, _bLength, _yLength, _dwLength, _dbLength, _workspaceLengthOfCaller;
        private int _batch, _filters;
        private WindowGeometry _geometry;
        private bool _hasBias, _hasInputGradient;

        public static ConvolutionJob<T> ForThisThread() => t_job ??= new ConvolutionJob<T>();

        /// <summary>Makes room for <paramref name="parts"/> − 1 workspaces and partial gradients of the given lengths.</summary>
        public void Prepare(int parts, int workspaceLength, int gradientLength)
        {
            _workspaceLength = workspaceLength;
            _gradientLength = gradientLength;
            long workspaces = (long)(parts - 1) * workspaceLength, gradients = (long)(parts - 1) * gradientLength;
            if (_workspaces.Length < workspaces)
            {
                _workspaces = GC.AllocateUninitializedArray<T>(checked((int)workspaces), pinned: true);
            }

            if (_gradients.Length < gradients)
            {
                _gradients = GC.AllocateUninitializedArray<T>(checked((int)gradients), pinned: true);
            }
        }

        /// <summary>
        /// Room for Winograd's transformed kernels, which every part of this call then reads (the caller fills it before
        /// the parts run; grown to the largest size seen).
        /// </summary>
        public Span<T> Transformed(int length)
        {
            if (_transformed.Length < length)
            {
                _transformed = new T[length];
            }

            _transformedLength = length;
            return _transformed.AsSpan(0, length);
        }

        /// <summary>The partial gradients (<c>dW</c>, then <c>db</c>) of part <paramref name="part"/> ≥ 1.</summary>
        public Span<T> Gradients(int part, int length) => _gradients.AsSpan((part - 1) * _gradientLength, length);

        /// <summary>
        /// The call: for the forward pass <paramref name="input"/>, <paramref name="weights"/>, <paramref name="bias"/> and
        /// <paramref name="output"/> are x, w, b, y; for the backward pass x, w, dy, dx, then dw and db.
        /// </summary>
        public void Set(bool backward, GemmPath path, T* input, int inputLength, T* weights, int weightsLength, T* bias, int biasLength, T* output, int outputLength, T* dw, int dwLength, T* db, int dbLength, T* workspace, int workspaceLength, int batch, in WindowGeometry geometry, int filters, bool hasBias, bool hasInputGradient)
        {
            _backward = backward;
            _path = path;
            _x = input;
            _xLength = inputLength;
            _w = weights;
            _wLength = weightsLength;
            _b = bias;
            _bLength = biasLength;
            _y = output;
            _yLength = outputLength;
            _dw = dw;
            _dwLength = dwLength;
            _db = db;
            _dbLength = dbLength;
            _workspace = workspace;
            _workspaceLengthOfCaller = workspaceLength;
            (_batch, _geometry, _filters, _hasBias, _hasInputGradient) = (batch, geometry, filters, hasBias, hasInputGradient);
        }

        /// <summary>Forgets the call's pointers, so that nothing points into the caller's memory after it returns.</summary>
        public void Clear()
        {
            _x = _w = _b = _y = _dw = _db = _workspace = null;
            _transformedLength = 0;
        }

        public void Run(int part, int parts)
        {
            int s0 = (int)((long)_batch * part / parts), s1 = (int)((long)_batch * (part + 1) / parts);
            Span<T> workspace = part == 0
                ? new Span<T>(_workspace, _workspaceLengthOfCaller)
                : _workspaces.AsSpan((part - 1) * _workspaceLength, _workspaceLength);
            var x = new ReadOnlySpan<T>(_x, _xLength);
            var w = new ReadOnlySpan<T>(_w, _wLength);
            if (!_backward)
            {
                Convolution.ForwardSamples(x, w, new ReadOnlySpan<T>(_b, _bLength), new Span<T>(_y, _yLength), workspace, s0, s1, _geometry, _filters, _hasBias, _path, 1, _transformed.AsSpan(0, _transformedLength));
                return;
            }

            Span<T> dw, db;
            if (part == 0)
            {
                dw = new Span<T>(_dw, _dwLength);
                db = new Span<T>(_db, _dbLength);
            }
            else
            {
                Span<T> partial = Gradients(part, _dwLength + _dbLength);
                partial.Clear();
                dw = partial.Slice(0, _dwLength);
                db = partial.Slice(_dwLength, _dbLength);
            }

            // For the backward pass _b holds dy and _y holds dx.
            Convolution.BackwardSamples(x, w, new ReadOnlySpan<T>(_b, _bLength), dw, db, new Span<T>(_y, _yLength), workspace, s0, s1, _geometry, _filters, _hasBias, _hasInputGradient, _path, 1, _transformed.AsSpan(0, _transformedLength));
        }
    }
}
