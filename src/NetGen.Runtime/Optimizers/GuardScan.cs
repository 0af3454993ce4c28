using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using NetGen.Threading;

namespace NetGen.Optimizers
{
    /// <summary>
    /// The trainer's yes/no scans of large buffers: "is every value a number of magnitude ≤ limit?" (with the limit
    /// MaxValue: "is every value finite?"). Vectorized, and split over the worker pool when the buffer is large (a
    /// training set of tens of MB took ~50 ms on one thread); the answer does not depend on the split. Only a caller
    /// that gets false searches for the first bad index, one value at a time.
    /// </summary>
    internal sealed unsafe class GuardScan<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Values per part: 2¹⁶ (tens of microseconds); a shorter buffer stays on the calling thread.</summary>
        private const int Grain = 1 << 16;

        [ThreadStatic]
        private static GuardScan<T>? t_scan;

        /// <summary>The largest finite value: |x| ≤ it exactly when x is finite.</summary>
        internal static readonly T MaxValue = T.CreateChecked(typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue);

        private T* _values;
        private int _length;
        private T _limit;
        private int _failed;

        /// <summary>Whether every value is a number (not NaN) of magnitude ≤ <paramref name="limit"/>.</summary>
        public static bool AllWithin(ReadOnlySpan<T> values, T limit)
        {
            int threads = NetGenOptions.EffectiveDegreeOfParallelism;
            if (threads <= 1 || values.Length < 2 * Grain)
            {
                return Run(values, limit);
            }

            GuardScan<T> scan = t_scan ??= new GuardScan<T>();
            fixed (T* start = values)
            {
                scan._values = start;
                scan._length = values.Length;
                scan._limit = limit;
                scan._failed = 0;
                WorkerPool.Shared.Run(scan, Math.Min(values.Length / Grain, 4 * threads), threads);
                scan._values = null;
                return Volatile.Read(ref scan._failed) == 0;
            }
        }

        /// <inheritdoc/>
        public void Run(int part, int parts)
        {
            int width = Vector<T>.Count;
            int units = (_length + width - 1) / width;
            int from = (int)((long)units * part / parts) * width;
            int to = Math.Min(_length, (int)((long)units * (part + 1) / parts) * width);
            if (!Run(new ReadOnlySpan<T>(_values + from, to - from), _limit))
            {
                Volatile.Write(ref _failed, 1);
            }
        }

        /// <summary>One thread's scan: |x| ≤ limit is false for NaN, so one AND of the comparisons answers for the whole run.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static bool Run(ReadOnlySpan<T> values, T limit)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= 4 * Vector<T>.Count)
            {
                int width = Vector<T>.Count;
                ref T start = ref MemoryMarshal.GetReference(values);
                var bound = new Vector<T>(limit);
                Vector<T> a = Vector<T>.AllBitsSet, b = a, c = a, d = a;
                for (; i <= values.Length - (4 * width); i += 4 * width)
                {
                    a &= Vector.LessThanOrEqual(Vector.Abs(Vector.LoadUnsafe(ref start, (nuint)i)), bound);
                    b &= Vector.LessThanOrEqual(Vector.Abs(Vector.LoadUnsafe(ref start, (nuint)(i + width))), bound);
                    c &= Vector.LessThanOrEqual(Vector.Abs(Vector.LoadUnsafe(ref start, (nuint)(i + (2 * width)))), bound);
                    d &= Vector.LessThanOrEqual(Vector.Abs(Vector.LoadUnsafe(ref start, (nuint)(i + (3 * width)))), bound);
                }

                if (!Vector.EqualsAll(Vector.AsVectorInt32(a & b & c & d), Vector<int>.AllBitsSet))
                {
                    return false;
                }
            }

            for (; i < values.Length; i++)
            {
                if (!(T.Abs(values[i]) <= limit))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Entry points of <see cref="GuardScan{T}"/>.</summary>
    internal static class GuardScan
    {
        /// <summary>Whether every value is a number (not NaN) of magnitude ≤ <paramref name="limit"/>.</summary>
        public static bool AllWithin<T>(ReadOnlySpan<T> values, T limit)
            where T : unmanaged, IFloatingPointIeee754<T> => GuardScan<T>.AllWithin(values, limit);

        /// <summary>Whether every value is finite (neither NaN nor ±∞).</summary>
        public static bool AllFinite<T>(ReadOnlySpan<T> values)
            where T : unmanaged, IFloatingPointIeee754<T> => GuardScan<T>.AllWithin(values, GuardScan<T>.MaxValue);
    }
}
