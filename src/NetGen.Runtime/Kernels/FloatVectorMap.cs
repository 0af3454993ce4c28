#if NET9_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels
{
    /// <summary>A function of one float applied lane by lane to whole vectors of each width.</summary>
    internal interface IFloatVectorMap
    {
        static abstract Vector512<float> Apply(Vector512<float> x);

        static abstract Vector256<float> Apply(Vector256<float> x);

        static abstract Vector128<float> Apply(Vector128<float> x);
    }

    /// <summary>The loop of an element-wise float function on the kernel path's vectors.</summary>
    internal static class FloatVectorMap
    {
        /// <summary>
        /// <c>y[i] = f(x[i])</c> for spans of equal length by whole vectors of the widest width <paramref name="path"/>
        /// allows and the span fills, the last one loaded before the loop (it may overlap the loop's, so <paramref name="y"/>
        /// may be <paramref name="x"/>). Returns false, with nothing written, when no vector fits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Run<TMap>(ReadOnlySpan<float> x, Span<float> y, GemmPath path)
            where TMap : struct, IFloatVectorMap
        {
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float py = ref MemoryMarshal.GetReference(y);
            nuint n = (nuint)x.Length;
            if (path >= GemmPath.Vector512 && Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
            {
                nuint c = (nuint)Vector512<float>.Count, last = n - c;
                Vector512<float> end = Vector512.LoadUnsafe(ref px, last);
                for (nuint i = 0; i < last; i += c)
                {
                    TMap.Apply(Vector512.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
                }

                TMap.Apply(end).StoreUnsafe(ref py, last);
                return true;
            }

            if (path >= GemmPath.Vector256 && Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
            {
                nuint c = (nuint)Vector256<float>.Count, last = n - c;
                Vector256<float> end = Vector256.LoadUnsafe(ref px, last);
                for (nuint i = 0; i < last; i += c)
                {
                    TMap.Apply(Vector256.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
                }

                TMap.Apply(end).StoreUnsafe(ref py, last);
                return true;
            }

            if (path >= GemmPath.Vector128 && Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<float>.Count)
            {
                nuint c = (nuint)Vector128<float>.Count, last = n - c;
                Vector128<float> end = Vector128.LoadUnsafe(ref px, last);
                for (nuint i = 0; i < last; i += c)
                {
                    TMap.Apply(Vector128.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
                }

                TMap.Apply(end).StoreUnsafe(ref py, last);
                return true;
            }

            return false;
        }
    }
}
#endif
