using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// The scalar reference for the three matrix products of <see cref="Gemm"/>: plain generic loops, kept as the
    /// portable fallback and as the reference the SIMD kernels are tested against. Every loop order keeps the innermost
    /// loop on contiguous memory: a dot product of two rows, or a scaled row added to a row. Callers validate the
    /// lengths; the outputs must not overlap the inputs.
    /// </summary>
    internal static class GemmReference
    {
        /// <summary>
        /// <c>C = A · Bᵀ</c>: <c>C[i,j] = Σₖ A[i,k] · B[j,k]</c>, with <c>A [m × k]</c>, <c>B [n × k]</c>, <c>C [m × n]</c>.
        /// Overwrites <paramref name="c"/>. Loop order i, j, k: each value is a dot product of two contiguous rows.
        /// </summary>
        public static void MultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> aRow = a.Slice(i * k, k);
                Span<T> cRow = c.Slice(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    cRow[j] = Dot(aRow, b.Slice(j * k, k));
                }
            }
        }

        /// <summary>
        /// <c>C += A · Bᵀ</c>: <c>C[i,j] += Σₖ A[i,k] · B[j,k]</c>, with <c>A [m × k]</c>, <c>B [n × k]</c>, <c>C [m × n]</c>.
        /// Accumulates into <paramref name="c"/>; the loop order of <see cref="MultiplyTransposedB{T}"/>.
        /// </summary>
        public static void AddMultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> aRow = a.Slice(i * k, k);
                Span<T> cRow = c.Slice(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    cRow[j] += Dot(aRow, b.Slice(j * k, k));
                }
            }
        }

        /// <summary>
        /// <c>C += Aᵀ · B</c>: <c>C[i,j] += Σₖ A[k,i] · B[k,j]</c>, with <c>A [kk × m]</c>, <c>B [kk × n]</c>, <c>C [m × n]</c>.
        /// Accumulates into <paramref name="c"/>. Loop order k, i, j: row k of B, scaled by <c>A[k,i]</c>, is added to row i of C.
        /// </summary>
        public static void AddTransposedAMultiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int k = 0; k < kk; k++)
            {
                ReadOnlySpan<T> aRow = a.Slice(k * m, m);
                ReadOnlySpan<T> bRow = b.Slice(k * n, n);
                for (int i = 0; i < m; i++)
                {
                    AddScaled(aRow[i], bRow, c.Slice(i * n, n));
                }
            }
        }

        /// <summary>
        /// <c>C = A · B</c>: <c>C[i,j] = Σₖ A[i,k] · B[k,j]</c>, with <c>A [m × kk]</c>, <c>B [kk × n]</c>, <c>C [m × n]</c>.
        /// Overwrites <paramref name="c"/>. Loop order i, k, j: row k of B, scaled by <c>A[i,k]</c>, is added to row i of C.
        /// </summary>
        public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int kk, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> aRow = a.Slice(i * kk, kk);
                Span<T> cRow = c.Slice(i * n, n);
                cRow.Clear();
                for (int k = 0; k < kk; k++)
                {
                    AddScaled(aRow[k], b.Slice(k * n, n), cRow);
                }
            }
        }

        /// <summary><c>Σᵢ x[i] · y[i]</c>, accumulated in <typeparamref name="T"/>; <paramref name="y"/> is at least as long as <paramref name="x"/>.</summary>
        private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T sum = T.Zero;
            for (int i = 0; i < x.Length; i++)
            {
                sum += x[i] * y[i];
            }

            return sum;
        }

        /// <summary><c>y[i] += α · x[i]</c>; <paramref name="x"/> and <paramref name="y"/> have the same length.</summary>
        private static void AddScaled<T>(T alpha, ReadOnlySpan<T> x, Span<T> y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] += alpha * x[i];
            }
        }
    }
}
