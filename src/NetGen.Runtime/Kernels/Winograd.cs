using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels
{
    /// <summary>
    /// A 3 × 3 convolution with stride 1 by Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin and Gray, 2016): each
    /// 2 × 2 block of outputs comes from a 4 × 4 tile of the padded input with 16 multiplies per channel pair instead of
    /// 36. The forward pass, the input gradient (the same kind of convolution, with the kernels flipped and the two
    /// channel counts swapped) and the kernel gradient (through the same transforms, dY's blocks transformed by A) use
    /// it; the products become 16 GEMMs over a group of samples (on one thread the forward's and the input gradient's go
    /// through <see cref="WinogradProducts"/>).
    /// </summary>
    /// <remarks>
    /// With <c>Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]</c>, <c>G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]</c> and
    /// <c>Aᵀ = [1 1 1 0; 0 1 −1 −1]</c>: <c>U = G g Gᵀ</c> per kernel, <c>V = Bᵀ d B</c> per input tile,
    /// <c>M[ξ] = U[ξ] · V[ξ]</c> (a GEMM <c>[F × C] · [C × tiles]</c> for each of the 16 tile positions ξ), and
    /// <c>Y = Aᵀ M A</c> per output block. The transforms add and subtract only (and halve, exactly), so the result
    /// differs from the direct sum by rounding alone: a few units in the last place of the largest terms. The transforms
    /// work on even and odd columns apart, so that a row of tiles is a run of vectors.
    /// </remarks>
    internal static class Winograd
    {
        /// <summary>Whether the transform is used where it applies (the default); only the benchmarks turn it off, to compare it with im2col and the GEMM in one run.</summary>
        internal static bool Enabled { get; set; } = true;

        /// <summary>Whether the transforms use the AVX2 lane shuffles where there are some (the default); tests turn it off to run the one-value-at-a-time loops of other processors.</summary>
        internal static bool UseShuffles { get; set; } = true;

        /// <summary>
        /// Whether the maps' rows are split into even and odd columns straight from the source, masked, where the vectors lie
        /// inside it (the default); when false every row is laid out padded first. Only the benchmarks change it.
        /// </summary>
        internal static bool DirectRows { get; set; } = true;

        /// <summary>
        /// Whether the forward's and the input gradient's products go through <see cref="WinogradProducts"/> on one thread
        /// (the default; 1.1–1.2× the general GEMM's 16 calls at the Fashion CNN's second layer); only the benchmarks and tests
        /// turn it off, to compare the two in one run.
        /// </summary>
        internal static bool FastProducts { get; set; } = true;

        /// <summary>Tile positions ξ of F(2 × 2, 3 × 3).</summary>
        private const int Positions = 16;

        /// <summary>
        /// Tiles per GEMM the samples are grouped up to: enough columns for the GEMM's tiles. At the Fashion CNN's 14 × 14
        /// maps (49 tiles) groups of 4 samples ran 3–4% faster than groups of 3, both ways, on both wide paths; 6 or 8 were
        /// no faster. The kernel gradient's groups too: 8 or 16 samples were 15–50% slower (its buffers outgrow the L2 cache).
        /// </summary>
        private const int TargetTiles = 224;

        /// <summary>The forward and input gradient's <see cref="TargetTiles"/> (the benchmarks try others).</summary>
        internal static int ConvolveTiles { get; set; } = TargetTiles;

        /// <summary>The kernel gradient's <see cref="TargetTiles"/> (the benchmarks try others).</summary>
        internal static int WeightGradientTiles { get; set; } = TargetTiles;

        /// <summary>
        /// Whether <see cref="Forward{T}"/> computes this layer: a 3 × 3 window, stride 1, at least 8 input and output
        /// channels (below that im2col's GEMM is short anyway, and the transforms would cost more than they save), maps of at
        /// least 2 × 2, and a vector path.
        /// </summary>
        public static bool Applies(in WindowGeometry g, int filters, GemmPath path) =>
            Enabled
            && path != GemmPath.Scalar
            && Vector.IsHardwareAccelerated
            && g.KernelHeight == 3
            && g.KernelWidth == 3
            && g.StrideHeight == 1
            && g.StrideWidth == 1
            && g.Channels >= 8
            && filters >= 8
            && g.OutputHeight >= 2
            && g.OutputWidth >= 2;

        /// <summary>
        /// Whether the input gradient goes through <see cref="InputGradient{T}"/>: the forward conditions with the channels
        /// swapped, and a padding of at most 2 (the flipped convolution pads by 2 − P).
        /// </summary>
        public static bool AppliesToInputGradient(in WindowGeometry g, int filters, GemmPath path) =>
            Applies(g, filters, path) && g.PaddingHeight <= 2 && g.PaddingWidth <= 2 && g.Height >= 2 && g.Width >= 2;

        /// <summary>
        /// Whether the input gradient takes the transform on <paramref name="path"/> where it applies: not on the 512-bit
        /// path, whose GEMMs are fast enough that the transforms of the 64-channel gradient cost what they save (0.96× the
        /// col2im pass at the Fashion CNN's second layer, against 1.07–1.09× on the 256-bit path; docs/benchmarks.md).
        /// Tests set <see cref="InputGradientOnEveryPath"/> to run it there too.
        /// </summary>
        public static bool PaysForInputGradient(GemmPath path) => path != GemmPath.Vector512 || InputGradientOnEveryPath;

        /// <summary>Whether <see cref="PaysForInputGradient"/> holds on every path (tests only).</summary>
        internal static bool InputGradientOnEveryPath { get; set; }

        /// <summary>
        /// <c>y[s, f] = b[f] + Σ_c w[f, c] ⋆ x[s, c]</c> (cross-correlation with zero padding) for samples
        /// <c>[s0, s1)</c>; overwrites their outputs. The GEMMs use at most <paramref name="maxThreads"/> threads.
        /// </summary>
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int s0, int s1, in WindowGeometry g, int filters, bool hasBias, GemmPath path, int maxThreads, ReadOnlySpan<T> transformed = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Scratch<T> scratch = Scratch<T>.ForThisThread();
            ReadOnlySpan<T> u = transformed;
            if (u.IsEmpty)
            {
                Span<T> own = scratch.Weights(TransformedLength(filters, g.Channels));
                TransformWeights(w, own, filters, g.Channels, flip: false);
                u = own;
            }

            Convolve(x, u, hasBias ? b : ReadOnlySpan<T>.Empty, y, s0, s1, g, filters, scratch, path, maxThreads, fastProducts: true);
        }

        /// <summary>The length of the transformed kernels <c>U</c>: 16 matrices <c>[F × C]</c>.</summary>
        public static int TransformedLength(int filters, int channels) => Positions * filters * channels;

        /// <summary>
        /// <c>dx[s, c] = Σ_f flip(w[f, c]) ⋆ dy[s, f]</c> with padding <c>2 − P</c>: the input gradient of the forward
        /// convolution, for samples <c>[s0, s1)</c>; overwrites their input gradients.
        /// </summary>
        public static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dx, int s0, int s1, in WindowGeometry g, int filters, GemmPath path, int maxThreads, ReadOnlySpan<T> transformed = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Scratch<T> scratch = Scratch<T>.ForThisThread();
            ReadOnlySpan<T> u = transformed;
            if (u.IsEmpty)
            {
                Span<T> own = scratch.Weights(TransformedLength(filters, g.Channels));
                TransformWeights(w, own, filters, g.Channels, flip: true);
                u = own;
            }

            // The flipped convolution runs over dy's maps (F channels of Ho × Wo) and gives C channels of H × W.
            var flipped = new WindowGeometry(filters, g.OutputHeight, g.OutputWidth, 3, 3, 1, 1, 2 - g.PaddingHeight, 2 - g.PaddingWidth);
            // Its products by WinogradProducts except on the 512-bit path, where the general GEMM ran 1.03–1.13× faster
            // at the Fashion CNN's shape (64 channels in, 32 out; the transform is not taken there by default anyway).
            Convolve(dy, u, ReadOnlySpan<T>.Empty, dx, s0, s1, flipped, g.Channels, scratch, path, maxThreads, fastProducts: path != GemmPath.Vector512);
        }

        /// <summary>
        /// Whether the kernel gradient goes through <see cref="AddWeightGradient{T}"/> where the forward transform applies
        /// (the default); only the benchmarks turn it off, to compare it with im2col and the GEMM in one run.
        /// </summary>
        internal static bool WeightGradientEnabled { get; set; } = true;

        /// <summary>Whether the kernel gradient goes through <see cref="AddWeightGradient{T}"/>: the forward's conditions.</summary>
        public static bool AppliesToWeightGradient(in WindowGeometry g, int filters, GemmPath path) =>
            WeightGradientEnabled && Applies(g, filters, path);

        /// <summary>
        /// <c>dw[f, c] += Σ_s dy[s, f] ⋆ x[s, c]</c> (the kernel gradient of the forward convolution) for samples
        /// <c>[s0, s1)</c>, through the forward's transforms: with <c>Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A</c> per block,
        /// <c>dU[ξ][f][c] = Σ_tiles (A dY Aᵀ)[ξ][f] · (Bᵀ d B)[ξ][c]</c> (16 GEMMs <c>[F × tiles] · [tiles × C]</c>) and
        /// <c>dg = Gᵀ dU G</c>. Blocks that hang over the map's edge get a zero gradient there, as the forward drops those
        /// outputs. The result differs from the im2col product by rounding alone (other sums, in another order).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddWeightGradient<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dw, int s0, int s1, in WindowGeometry g, int filters, GemmPath path, int maxThreads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (s1 <= s0)
            {
                return;
            }

            Scratch<T> scratch = Scratch<T>.ForThisThread();
            int channels = g.Channels, outputHeight = g.OutputHeight, outputWidth = g.OutputWidth;
            int tileRows = (outputHeight + 1) / 2, tileColumns = (outputWidth + 1) / 2, tiles = tileRows * tileColumns;
            int group = Math.Max(1, Math.Min(s1 - s0, WeightGradientTiles / tiles));
            int lanes = Vector<T>.Count;
            int columnsPerPlane = tileColumns + 1 + lanes;
            int planeRows = (2 * tileRows) + 2;
            Span<T> planes = scratch.Planes(2 * planeRows * columnsPerPlane);
            Span<T> v = scratch.Inputs((Positions * channels * group * tiles) + lanes);
            Span<T> m = scratch.Products((Positions * filters * group * tiles) + lanes);
            Span<T> du = scratch.Weights(Positions * filters * channels);
            du.Clear();
            Span<T> line = stackalloc T[2 * (columnsPerPlane + lanes)];

            // dy's maps, split into even and odd columns as the inputs are (no padding: rows past the map are zeros).
            var gradientMap = new WindowGeometry(filters, outputHeight, outputWidth, 3, 3, 1, 1, 0, 0);

            // Maps of even width are split straight from their rows by the lane shuffles.
            bool direct = Vectors<T>.Shuffle && DirectRows && outputWidth % 2 == 0;
            int inputLength = g.InputLength, mapLength = outputHeight * outputWidth, outputLength = filters * mapLength;
            for (int first = s0; first < s1; first += group)
            {
                int count = Math.Min(group, s1 - first), columns = count * tiles;
                for (int c = 0; c < channels; c++)
                {
                    for (int s = 0; s < count; s++)
                    {
                        SplitColumns(x, ((first + s) * inputLength) + (c * g.Height * g.Width), planes, line, g, planeRows, columnsPerPlane);
                        TransformInputs(planes, v, c, channels, columns, s * tiles, tileRows, tileColumns, planeRows, columnsPerPlane);
                    }
                }

                for (int f = 0; f < filters; f++)
                {
                    for (int s = 0; s < count; s++)
                    {
                        int offset = ((first + s) * outputLength) + (f * mapLength);
                        if (direct)
                        {
                            TransformGradientRows(dy, offset, m, f, filters, columns, s * tiles, tileRows, tileColumns, outputHeight, outputWidth, line);
                            continue;
                        }

                        SplitColumns(dy, offset, planes, line, gradientMap, planeRows, columnsPerPlane);
                        TransformGradients(planes, m, f, filters, columns, s * tiles, tileRows, tileColumns, planeRows, columnsPerPlane);
                    }
                }

                // dU[ξ] += (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ]ᵀ: [F × columns] · [columns × C]
                for (int xi = 0; xi < Positions; xi++)
                {
                    Gemm.AddMultiplyTransposedB(m.Slice(xi * filters * columns, filters * columns), v.Slice(xi * channels * columns, channels * columns), du.Slice(xi * filters * channels, filters * channels), filters, columns, channels, path, maxThreads);
                }
            }

            AddTransformedWeightGradients(du, dw, filters, channels);
        }



        /// <summary>
        /// <c>A dY Aᵀ</c> for every 2 × 2 block of one gradient map (split into even and odd columns), into column
        /// <c>t0 + tile</c> of row <paramref name="f"/> of each of the 16 matrices <c>[F × columns]</c>, stored as
        /// <see cref="TransformInputs{T}"/> stores: with <c>A = [1 0; 1 1; 1 −1; 0 −1]</c> the rows of <c>A d</c> are
        /// <c>d0</c>, <c>d0 + d1</c>, <c>d0 − d1</c>, <c>−d1</c>, and the same again across the columns.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformGradients<T>(Span<T> planes, Span<T> m, int f, int filters, int columns, int t0, int tileRows, int tileColumns, int planeRows, int columnsPerPlane)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = Vector<T>.Count, planeLength = planeRows * columnsPerPlane, matrix = filters * columns;
            ref T even = ref MemoryMarshal.GetReference(planes);
            ref T odd = ref Unsafe.Add(ref even, planeLength);
            ref T output = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), (f * columns) + t0);
            for (int ty = 0; ty < tileRows; ty++)
            {
                ref T e0 = ref Unsafe.Add(ref even, 2 * ty * columnsPerPlane);
                ref T o0 = ref Unsafe.Add(ref odd, 2 * ty * columnsPerPlane);
                for (int k = 0; k < tileColumns; k += lanes)
                {
                    int t = (ty * tileColumns) + k;

                    // The block's upper row (d00, d01) and lower row (d10, d11), left and right columns.
                    Vector<T> d00 = Row(ref e0, 0, columnsPerPlane, k), d01 = Row(ref o0, 0, columnsPerPlane, k);
                    Vector<T> d10 = Row(ref e0, 1, columnsPerPlane, k), d11 = Row(ref o0, 1, columnsPerPlane, k);
                    int count = Math.Min(lanes, columns - t0 - t);
                    Spread(d00, d01, ref output, 0, matrix, t, count);
                    Spread(d00 + d10, d01 + d11, ref output, 4, matrix, t, count);
                    Spread(d00 - d10, d01 - d11, ref output, 8, matrix, t, count);
                    Spread(-d10, -d11, ref output, 12, matrix, t, count);
                }
            }
        }

        /// <summary>
        /// <see cref="TransformGradients{T}"/> for a map of even width, read straight from <paramref name="dy"/> (the map at
        /// <paramref name="offset"/>): each tile row's two map rows are loaded as vector pairs and split into their even
        /// and odd columns by the lane shuffles. The lanes past a row's end read the next row and land on later tiles, as
        /// in <see cref="TransformInputs{T}"/>; a pair that would read past <paramref name="dy"/>'s end goes through
        /// <paramref name="spill"/> (at least two vectors), zero-filled.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformGradientRows<T>(ReadOnlySpan<T> dy, int offset, Span<T> m, int f, int filters, int columns, int t0, int tileRows, int tileColumns, int height, int width, Span<T> spill)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = Vector<T>.Count, matrix = filters * columns;
            ref T output = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), (f * columns) + t0);
            for (int ty = 0; ty < tileRows; ty++)
            {
                int upper = offset + (2 * ty * width), lower = upper + width;
                bool hasLower = (2 * ty) + 1 < height;
                for (int k = 0; k < tileColumns; k += lanes)
                {
                    int t = (ty * tileColumns) + k;
                    (Vector<T> d00, Vector<T> d01) = Pair(dy, upper + (2 * k), spill);
                    (Vector<T> d10, Vector<T> d11) = hasLower ? Pair(dy, lower + (2 * k), spill) : (Vector<T>.Zero, Vector<T>.Zero);
                    int count = Math.Min(lanes, columns - t0 - t);
                    Spread(d00, d01, ref output, 0, matrix, t, count);
                    Spread(d00 + d10, d01 + d11, ref output, 4, matrix, t, count);
                    Spread(d00 - d10, d01 - d11, ref output, 8, matrix, t, count);
                    Spread(-d10, -d11, ref output, 12, matrix, t, count);
                }
            }
        }

        /// <summary>The even and odd values of the two vectors at <paramref name="at"/> (zeros past the span's end).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector<T> Evens, Vector<T> Odds) Pair<T>(ReadOnlySpan<T> values, int at, Span<T> spill)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = Vector<T>.Count;
            ref T from = ref MemoryMarshal.GetReference(values);
            if (at + (2 * lanes) > values.Length)
            {
                spill.Slice(0, 2 * lanes).Clear();
                values.Slice(at).CopyTo(spill);
                from = ref MemoryMarshal.GetReference(spill);
                at = 0;
            }

            Vector<T> low = Vector.LoadUnsafe(ref from, (nuint)at), high = Vector.LoadUnsafe(ref from, (nuint)(at + lanes));
            return (Vectors<T>.Evens(low, high), Vectors<T>.Odds(low, high));
        }

        /// <summary>One row of <c>(A d) Aᵀ</c> from its two columns: <c>l</c>, <c>l + r</c>, <c>l − r</c>, <c>−r</c>, into positions ξ = a·4 + 0..3.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Spread<T>(Vector<T> left, Vector<T> right, ref T output, int xi, int matrix, int t, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Store(left, ref output, ((xi + 0) * matrix) + t, count);
            Store(left + right, ref output, ((xi + 1) * matrix) + t, count);
            Store(left - right, ref output, ((xi + 2) * matrix) + t, count);
            Store(-right, ref output, ((xi + 3) * matrix) + t, count);
        }

        /// <summary>
        /// <c>dw[f, c] += Gᵀ · dU[f, c] · G</c> for the 16 matrices <c>dU[ξ] [F × C]</c>: with
        /// <c>Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]</c>, the rows <c>X0 + ½(X1 + X2)</c>, <c>½(X1 − X2)</c>, <c>½(X1 + X2) + X3</c>,
        /// then the same across the columns.
        /// </summary>
        private static void AddTransformedWeightGradients<T>(ReadOnlySpan<T> du, Span<T> dw, int filters, int channels)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T half = T.CreateTruncating(0.5);
            int matrix = filters * channels;
            Span<T> rows = stackalloc T[12];
            for (int at = 0; at < matrix; at++)
            {
                for (int b = 0; b < 4; b++)
                {
                    T x0 = du[((0 + b) * matrix) + at], x1 = du[((4 + b) * matrix) + at], x2 = du[((8 + b) * matrix) + at], x3 = du[((12 + b) * matrix) + at];
                    T sum = half * (x1 + x2);
                    rows[b] = x0 + sum;
                    rows[4 + b] = half * (x1 - x2);
                    rows[8 + b] = sum + x3;
                }

                // at = f·C + c, the kernel w[f, c] at 9·at.
                Span<T> kernel = dw.Slice(at * 9, 9);
                for (int i = 0; i < 3; i++)
                {
                    T r0 = rows[(4 * i) + 0], r1 = rows[(4 * i) + 1], r2 = rows[(4 * i) + 2], r3 = rows[(4 * i) + 3];
                    T sum = half * (r1 + r2);
                    kernel[(3 * i) + 0] += r0 + sum;
                    kernel[(3 * i) + 1] += half * (r1 - r2);
                    kernel[(3 * i) + 2] += sum + r3;
                }
            }
        }

        /// <summary>
        /// <c>U[ξ][f][c] = (G · w[f, c] · Gᵀ)[ξ]</c>, 16 matrices <c>[F × C]</c>; with <paramref name="flip"/>, the kernels
        /// of the input gradient instead: <c>U[ξ][c][f]</c> from <c>w[f, c]</c> turned by 180°.
        /// </summary>
        internal static void TransformWeights<T>(ReadOnlySpan<T> w, Span<T> u, int filters, int channels, bool flip)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T half = T.CreateTruncating(0.5);
            Span<T> g = stackalloc T[9];
            int columns = flip ? filters : channels, matrix = filters * channels;
            for (int f = 0; f < filters; f++)
            {
                for (int c = 0; c < channels; c++)
                {
                    ReadOnlySpan<T> kernel = w.Slice(((f * channels) + c) * 9, 9);
                    for (int i = 0; i < 9; i++)
                    {
                        g[i] = flip ? kernel[8 - i] : kernel[i];
                    }

                    int row = flip ? c : f, column = flip ? f : c, at = (row * columns) + column;
                    for (int r = 0; r < 4; r++)
                    {
                        // Row r of G · g: a row of g, or half the sum or alternating sum of its rows.
                        T t0, t1, t2;
                        switch (r)
                        {
                            case 0:
                                (t0, t1, t2) = (g[0], g[1], g[2]);
                                break;
                            case 1:
                                (t0, t1, t2) = (half * (g[0] + g[3] + g[6]), half * (g[1] + g[4] + g[7]), half * (g[2] + g[5] + g[8]));
                                break;
                            case 2:
                                (t0, t1, t2) = (half * (g[0] - g[3] + g[6]), half * (g[1] - g[4] + g[7]), half * (g[2] - g[5] + g[8]));
                                break;
                            default:
                                (t0, t1, t2) = (g[6], g[7], g[8]);
                                break;
                        }

                        // Times Gᵀ.
                        u[(((r * 4) + 0) * matrix) + at] = t0;
                        u[(((r * 4) + 1) * matrix) + at] = half * (t0 + t1 + t2);
                        u[(((r * 4) + 2) * matrix) + at] = half * (t0 - t1 + t2);
                        u[(((r * 4) + 3) * matrix) + at] = t2;
                    }
                }
            }
        }

        /// <summary>
        /// The transforms and the 16 GEMMs for samples <c>[s0, s1)</c>, in groups of about <see cref="TargetTiles"/> tiles;
        /// the GEMMs by <see cref="WinogradProducts"/> on one thread where <paramref name="fastProducts"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Convolve<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> u, ReadOnlySpan<T> b, Span<T> y, int s0, int s1, in WindowGeometry g, int filters, Scratch<T> scratch, GemmPath path, int maxThreads, bool fastProducts)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int channels = g.Channels, outputHeight = g.OutputHeight, outputWidth = g.OutputWidth;
            int tileRows = (outputHeight + 1) / 2, tileColumns = (outputWidth + 1) / 2, tiles = tileRows * tileColumns;
            int group = Math.Max(1, Math.Min(s1 - s0, ConvolveTiles / tiles));
            int lanes = Vector<T>.Count;

            // Every run of tiles is read and written by whole vectors: the buffers end with a vector of slack.
            int columnsPerPlane = tileColumns + 1 + lanes;
            int planeRows = (2 * tileRows) + 2;
            Span<T> planes = scratch.Planes(2 * planeRows * columnsPerPlane);

            // The one-thread products take whole vectors of columns: each matrix's rows are padded to them (the padding's
            // products are never read).
            bool fast = fastProducts && FastProducts && maxThreads <= 1 && WinogradProducts.Supports<T>(path);
            int padTo = fast ? WinogradProducts.Lanes<T>(path) : 1;
            int widest = RoundUp(group * tiles, padTo);
            Span<T> v = scratch.Inputs((Positions * channels * widest) + lanes);
            Span<T> m = scratch.Products((Positions * filters * widest) + lanes);
            Span<T> line = stackalloc T[2 * (columnsPerPlane + lanes)];
            Span<T> packed = fast ? scratch.Packed(u.Length) : Span<T>.Empty;
            if (fast)
            {
                WinogradProducts.Pack(u, packed, filters, channels);
            }

            int inputLength = g.InputLength, outputLength = filters * outputHeight * outputWidth;
            for (int first = s0; first < s1; first += group)
            {
                int count = Math.Min(group, s1 - first), columns = RoundUp(count * tiles, padTo);
                for (int c = 0; c < channels; c++)
                {
                    for (int s = 0; s < count; s++)
                    {
                        SplitColumns(x, ((first + s) * inputLength) + (c * g.Height * g.Width), planes, line, g, planeRows, columnsPerPlane);
                        TransformInputs(planes, v, c, channels, columns, s * tiles, tileRows, tileColumns, planeRows, columnsPerPlane);
                    }
                }

                // M[ξ] = U[ξ] · V[ξ]: [F × C] · [C × columns]
                if (fast)
                {
                    WinogradProducts.Multiply<T>(packed, v, m, filters, channels, columns, path);
                }

                for (int xi = 0; xi < Positions && !fast; xi++)
                {
                    Gemm.Multiply(u.Slice(xi * filters * channels, filters * channels), v.Slice(xi * channels * columns, channels * columns), m.Slice(xi * filters * columns, filters * columns), filters, channels, columns, path, maxThreads);
                }

                for (int s = 0; s < count; s++)
                {
                    Span<T> ys = y.Slice((first + s) * outputLength, outputLength);
                    for (int f = 0; f < filters; f++)
                    {
                        T bias = b.IsEmpty ? T.Zero : b[f];
                        TransformOutputs(m, ys.Slice(f * outputHeight * outputWidth, outputHeight * outputWidth), f, filters, columns, s * tiles, tileRows, tileColumns, outputHeight, outputWidth, bias);
                    }
                }
            }
        }

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

        /// <summary>
        /// The zero-padded map split into its even and odd columns: <c>even[r][k] = padded[r][2k]</c>,
        /// <c>odd[r][k] = padded[r][2k + 1]</c>, each plane <paramref name="planeRows"/> rows of
        /// <paramref name="columnsPerPlane"/>. Each padded row is laid out in <paramref name="line"/> (at least
        /// <c>2 · columnsPerPlane</c> values, a whole number of vector pairs), then split by vectors.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SplitColumns<T>(ReadOnlySpan<T> source, int mapStart, Span<T> planes, Span<T> line, in WindowGeometry g, int planeRows, int columnsPerPlane)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> map = source.Slice(mapStart, g.Height * g.Width);
            int planeLength = planeRows * columnsPerPlane, width = g.Width, lanes = Vector<T>.Count;
            int vectorColumns = Vectors<T>.Shuffle && DirectRows ? columnsPerPlane - (columnsPerPlane % lanes) : 0;
            Span<T> even = planes.Slice(0, planeLength), odd = planes.Slice(planeLength, planeLength);
            for (int r = 0; r < planeRows; r++)
            {
                int i = r - g.PaddingHeight;
                Span<T> evenRow = even.Slice(r * columnsPerPlane, columnsPerPlane), oddRow = odd.Slice(r * columnsPerPlane, columnsPerPlane);
                if ((uint)i >= (uint)g.Height)
                {
                    evenRow.Clear();
                    oddRow.Clear();
                    continue;
                }

                // The padded row read straight from the source where its vectors lie inside it: the lanes outside the
                // map's row (the padding, the neighbouring rows) are masked to zero.
                int start = mapStart + (i * width) - g.PaddingWidth;
                if (vectorColumns > 0 && start >= 0 && start + (2 * vectorColumns) <= source.Length)
                {
                    ref T row = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), start);
                    ref T evens = ref MemoryMarshal.GetReference(evenRow);
                    ref T odds = ref MemoryMarshal.GetReference(oddRow);
                    var first = new Vector<T>(T.CreateTruncating(g.PaddingWidth));
                    var end = new Vector<T>(T.CreateTruncating(g.PaddingWidth + width));
                    var step = new Vector<T>(T.CreateTruncating(lanes));
                    Vector<T> column = Vectors<T>.Indices;
                    for (int n = 0; n < vectorColumns; n += lanes)
                    {
                        Vector<T> low = Vector.LoadUnsafe(ref row, (nuint)(2 * n)) & Inside(column, first, end);
                        column += step;
                        Vector<T> high = Vector.LoadUnsafe(ref row, (nuint)((2 * n) + lanes)) & Inside(column, first, end);
                        column += step;
                        Vectors<T>.Evens(low, high).StoreUnsafe(ref evens, (nuint)n);
                        Vectors<T>.Odds(low, high).StoreUnsafe(ref odds, (nuint)n);
                    }

                    for (int n = vectorColumns; n < columnsPerPlane; n++)
                    {
                        int j = (2 * n) - g.PaddingWidth;
                        Unsafe.Add(ref evens, n) = (uint)j < (uint)width ? map[(i * width) + j] : T.Zero;
                        Unsafe.Add(ref odds, n) = (uint)(j + 1) < (uint)width ? map[(i * width) + j + 1] : T.Zero;
                    }

                    continue;
                }

                line.Slice(0, g.PaddingWidth).Clear();
                map.Slice(i * width, width).CopyTo(line.Slice(g.PaddingWidth));
                line.Slice(g.PaddingWidth + width).Clear();
                ref T from = ref MemoryMarshal.GetReference(line);
                ref T toEven = ref MemoryMarshal.GetReference(evenRow);
                ref T toOdd = ref MemoryMarshal.GetReference(oddRow);
                int k = 0;
                if (Vectors<T>.Shuffle)
                {
                    for (; k + lanes <= columnsPerPlane; k += lanes)
                    {
                        Vector<T> low = Vector.LoadUnsafe(ref from, (nuint)(2 * k)), high = Vector.LoadUnsafe(ref from, (nuint)((2 * k) + lanes));
                        Vectors<T>.Evens(low, high).StoreUnsafe(ref toEven, (nuint)k);
                        Vectors<T>.Odds(low, high).StoreUnsafe(ref toOdd, (nuint)k);
                    }
                }

                for (; k < columnsPerPlane; k++)
                {
                    Unsafe.Add(ref toEven, k) = Unsafe.Add(ref from, 2 * k);
                    Unsafe.Add(ref toOdd, k) = Unsafe.Add(ref from, (2 * k) + 1);
                }
            }
        }

        /// <summary>All bits set in the lanes whose padded column lies in <c>[first, end)</c>, the map's row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<T> Inside<T>(Vector<T> column, Vector<T> first, Vector<T> end)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.GreaterThanOrEqual(column, first) & Vector.LessThan(column, end);

        /// <summary>
        /// <c>V = Bᵀ d B</c> for every tile of one map, into column <c>t0 + tile</c> of row <paramref name="c"/> of each
        /// of the 16 matrices <c>V[ξ] [C × columns]</c>. A row of tiles is stored by whole vectors, the lanes past its end
        /// landing on the next tiles of the same channel, which are written later; only at the end of the channel's row
        /// (whose next values belong to the next matrix, written earlier) the stores stop at the last tile.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformInputs<T>(Span<T> planes, Span<T> v, int c, int channels, int columns, int t0, int tileRows, int tileColumns, int planeRows, int columnsPerPlane)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = Vector<T>.Count, planeLength = planeRows * columnsPerPlane, matrix = channels * columns;
            ref T even = ref MemoryMarshal.GetReference(planes);
            ref T odd = ref Unsafe.Add(ref even, planeLength);
            ref T output = ref Unsafe.Add(ref MemoryMarshal.GetReference(v), (c * columns) + t0);
            for (int ty = 0; ty < tileRows; ty++)
            {
                ref T e0 = ref Unsafe.Add(ref even, 2 * ty * columnsPerPlane);
                ref T o0 = ref Unsafe.Add(ref odd, 2 * ty * columnsPerPlane);
                for (int k = 0; k < tileColumns; k += lanes)
                {
                    int t = (ty * tileColumns) + k;

                    // Rows of Bᵀ d (rows 0..3 of the tile: r0 − r2, r1 + r2, r2 − r1, r1 − r3), at tile columns k and k + 1
                    // of the even and odd planes.
                    Vector<T> er0 = Row(ref e0, 0, columnsPerPlane, k), er1 = Row(ref e0, 1, columnsPerPlane, k), er2 = Row(ref e0, 2, columnsPerPlane, k), er3 = Row(ref e0, 3, columnsPerPlane, k);
                    Vector<T> en0 = Row(ref e0, 0, columnsPerPlane, k + 1), en1 = Row(ref e0, 1, columnsPerPlane, k + 1), en2 = Row(ref e0, 2, columnsPerPlane, k + 1), en3 = Row(ref e0, 3, columnsPerPlane, k + 1);
                    Vector<T> or0 = Row(ref o0, 0, columnsPerPlane, k), or1 = Row(ref o0, 1, columnsPerPlane, k), or2 = Row(ref o0, 2, columnsPerPlane, k), or3 = Row(ref o0, 3, columnsPerPlane, k);
                    Vector<T> on0 = Row(ref o0, 0, columnsPerPlane, k + 1), on1 = Row(ref o0, 1, columnsPerPlane, k + 1), on2 = Row(ref o0, 2, columnsPerPlane, k + 1), on3 = Row(ref o0, 3, columnsPerPlane, k + 1);
                    int count = Math.Min(lanes, columns - t0 - t);
                    Columns(er0 - er2, or0 - or2, en0 - en2, on0 - on2, ref output, 0, matrix, t, count);
                    Columns(er1 + er2, or1 + or2, en1 + en2, on1 + on2, ref output, 4, matrix, t, count);
                    Columns(er2 - er1, or2 - or1, en2 - en1, on2 - on1, ref output, 8, matrix, t, count);
                    Columns(er1 - er3, or1 - or3, en1 - en3, on1 - on3, ref output, 12, matrix, t, count);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<T> Row<T>(ref T plane, int row, int columnsPerPlane, int k)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.LoadUnsafe(ref plane, (nuint)((row * columnsPerPlane) + k));

        /// <summary>
        /// One row a of <c>(Bᵀ d) B</c>: from its tile columns 0..3 (even at k, odd at k, even at k + 1, odd at k + 1),
        /// <c>c0 − c2</c>, <c>c1 + c2</c>, <c>c2 − c1</c>, <c>c1 − c3</c>, into positions ξ = a·4 + 0..3.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Columns<T>(Vector<T> c0, Vector<T> c1, Vector<T> c2, Vector<T> c3, ref T output, int xi, int matrix, int t, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Store(c0 - c2, ref output, ((xi + 0) * matrix) + t, count);
            Store(c1 + c2, ref output, ((xi + 1) * matrix) + t, count);
            Store(c2 - c1, ref output, ((xi + 2) * matrix) + t, count);
            Store(c1 - c3, ref output, ((xi + 3) * matrix) + t, count);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store<T>(Vector<T> value, ref T output, int at, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (count == Vector<T>.Count)
            {
                value.StoreUnsafe(ref output, (nuint)at);
                return;
            }

            for (int lane = 0; lane < count; lane++)
            {
                Unsafe.Add(ref output, at + lane) = value[lane];
            }
        }

        /// <summary>
        /// <c>Y = Aᵀ M A + b</c> for every 2 × 2 block of one output map, from column <c>t0 + tile</c> of row
        /// <paramref name="f"/> of the 16 products <c>M[ξ] [F × columns]</c>. Each output row is written by whole vector
        /// pairs (the blocks' two columns interleaved), an upper row before its lower one, the values past a row's end
        /// landing on the next row, written later; a store that would pass the map's end goes one value at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformOutputs<T>(Span<T> m, Span<T> y, int f, int filters, int columns, int t0, int tileRows, int tileColumns, int outputHeight, int outputWidth, T bias)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int lanes = Vector<T>.Count, matrix = filters * columns;
            ref T products = ref Unsafe.Add(ref MemoryMarshal.GetReference(m), (f * columns) + t0);
            ref T output = ref MemoryMarshal.GetReference(y);
            var biases = new Vector<T>(bias);
            bool shuffle = Vectors<T>.Shuffle; // read once: the getter is a call, not inlined
            for (int row = 0; row < outputHeight; row++)
            {
                // Row 2·ty of the map is row 0 of Aᵀ M (m0 + m1 + m2), row 2·ty + 1 is row 1 (m1 − m2 − m3).
                int ty = row >> 1, start = row * outputWidth;
                bool upper = (row & 1) == 0;
                for (int k = 0; k < tileColumns; k += lanes)
                {
                    int t = (ty * tileColumns) + k;
                    Vector<T> c0, c1, c2, c3;
                    if (upper)
                    {
                        (c0, c1, c2, c3) = (Sum3(ref products, 0, 4, 8, matrix, t), Sum3(ref products, 1, 5, 9, matrix, t), Sum3(ref products, 2, 6, 10, matrix, t), Sum3(ref products, 3, 7, 11, matrix, t));
                    }
                    else
                    {
                        (c0, c1, c2, c3) = (Difference3(ref products, 4, 8, 12, matrix, t), Difference3(ref products, 5, 9, 13, matrix, t), Difference3(ref products, 6, 10, 14, matrix, t), Difference3(ref products, 7, 11, 15, matrix, t));
                    }

                    // Times A: c0 + c1 + c2 and c1 − c2 − c3, the block's two columns.
                    Vector<T> left = c0 + c1 + c2 + biases, right = c1 - c2 - c3 + biases;
                    int at = start + (2 * k);
                    if (shuffle && at + (2 * lanes) <= y.Length)
                    {
                        Vectors<T>.Interleave(left, right, ref output, at);
                        continue;
                    }

                    int end = Math.Min(outputWidth, 2 * (k + lanes));
                    for (int column = 2 * k, lane = 0; column < end; column += 2, lane++)
                    {
                        Unsafe.Add(ref output, start + column) = left[lane];
                        if (column + 1 < end)
                        {
                            Unsafe.Add(ref output, start + column + 1) = right[lane];
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<T> Sum3<T>(ref T products, int a, int b, int c, int matrix, int t)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.LoadUnsafe(ref products, (nuint)((a * matrix) + t)) + Vector.LoadUnsafe(ref products, (nuint)((b * matrix) + t)) + Vector.LoadUnsafe(ref products, (nuint)((c * matrix) + t));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<T> Difference3<T>(ref T products, int a, int b, int c, int matrix, int t)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.LoadUnsafe(ref products, (nuint)((a * matrix) + t)) - Vector.LoadUnsafe(ref products, (nuint)((b * matrix) + t)) - Vector.LoadUnsafe(ref products, (nuint)((c * matrix) + t));

        /// <summary>
        /// The lane shuffles the transforms need, for <see cref="Vector{T}"/> of 256 bits on x86 (AVX2: float and double);
        /// elsewhere <see cref="Shuffle"/> is false and the callers go one value at a time.
        /// </summary>
        private static class Vectors<T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            public static bool Shuffle => UseShuffles && Avx2.IsSupported && Vector<byte>.Count == 32 && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

            /// <summary>0, 1, 2, … in the lanes.</summary>
            public static Vector<T> Indices { get; } = CreateIndices();

            private static Vector<T> CreateIndices()
            {
                var values = new T[Vector<T>.Count];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(i);
                }

                return new Vector<T>(values);
            }

            /// <summary>The even lanes of <c>low</c> then <c>high</c> taken as one run of two vectors.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector<T> Evens(Vector<T> low, Vector<T> high)
            {
                if (typeof(T) == typeof(float))
                {
                    Vector256<float> picked = Avx.Shuffle(low.AsVector256().AsSingle(), high.AsVector256().AsSingle(), 0b10_00_10_00);
                    return Avx2.Permute4x64(picked.AsDouble(), 0b11_01_10_00).As<double, T>().AsVector();
                }

                Vector256<double> pairs = Avx.Shuffle(low.AsVector256().AsDouble(), high.AsVector256().AsDouble(), 0b0000);
                return Avx2.Permute4x64(pairs, 0b11_01_10_00).As<double, T>().AsVector();
            }

            /// <summary>The odd lanes of <c>low</c> then <c>high</c> taken as one run of two vectors.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector<T> Odds(Vector<T> low, Vector<T> high)
            {
                if (typeof(T) == typeof(float))
                {
                    Vector256<float> picked = Avx.Shuffle(low.AsVector256().AsSingle(), high.AsVector256().AsSingle(), 0b11_01_11_01);
                    return Avx2.Permute4x64(picked.AsDouble(), 0b11_01_10_00).As<double, T>().AsVector();
                }

                Vector256<double> pairs = Avx.Shuffle(low.AsVector256().AsDouble(), high.AsVector256().AsDouble(), 0b1111);
                return Avx2.Permute4x64(pairs, 0b11_01_10_00).As<double, T>().AsVector();
            }

            /// <summary><c>a0 b0 a1 b1 …</c>: the lanes of <paramref name="a"/> and <paramref name="b"/> alternately, two vectors at <paramref name="at"/>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static void Interleave(Vector<T> a, Vector<T> b, ref T destination, int at)
            {
                Vector256<T> low, high;
                if (typeof(T) == typeof(float))
                {
                    Vector256<float> x = a.AsVector256().AsSingle(), z = b.AsVector256().AsSingle();
                    (low, high) = (Avx.UnpackLow(x, z).As<float, T>(), Avx.UnpackHigh(x, z).As<float, T>());
                }
                else
                {
                    Vector256<double> x = a.AsVector256().AsDouble(), z = b.AsVector256().AsDouble();
                    (low, high) = (Avx.UnpackLow(x, z).As<double, T>(), Avx.UnpackHigh(x, z).As<double, T>());
                }

                Vector256<double> lowBits = low.AsDouble(), highBits = high.AsDouble();
                Avx.Permute2x128(lowBits, highBits, 0x20).As<double, T>().AsVector().StoreUnsafe(ref destination, (nuint)at);
                Avx.Permute2x128(lowBits, highBits, 0x31).As<double, T>().AsVector().StoreUnsafe(ref destination, (nuint)(at + Vector<T>.Count));
            }
        }

        /// <summary>Each thread's transformed kernels, tiles and products, grown to the largest size seen and then reused (no allocation after warm-up).</summary>
        private sealed class Scratch<T>
            where T : unmanaged
        {
            [ThreadStatic]
            private static Scratch<T>? t_scratch;

            private T[] _weights = [], _packed = [], _planes = [], _inputs = [], _products = [];

            public static Scratch<T> ForThisThread() => t_scratch ??= new Scratch<T>();

            public Span<T> Weights(int length) => Grow(ref _weights, length);

            /// <summary>The transformed kernels as <see cref="WinogradProducts.Pack{T}"/> lays them out.</summary>
            public Span<T> Packed(int length) => Grow(ref _packed, length);

            public Span<T> Planes(int length) => Grow(ref _planes, length);

            /// <summary>
            /// Zeroed when grown: the one-thread products' padding columns are never written by the transforms, and
            /// garbage there (a denormal, say) would slow the products even though their results there are never read.
            /// </summary>
            public Span<T> Inputs(int length) => Grow(ref _inputs, length, zeroed: true);

            public Span<T> Products(int length) => Grow(ref _products, length);

            private static Span<T> Grow(ref T[] buffer, int length, bool zeroed = false)
            {
                if (buffer.Length < length)
                {
                    buffer = zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length);
                }

                return buffer.AsSpan(0, length);
            }
        }
    }
}
