using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels
{
    /// <summary>
    /// The few vector operations the matrix kernels need, over one vector type. The kernels are generic over a struct
    /// implementing this interface, so the JIT compiles one specialized copy per vector width with every call inlined.
    /// </summary>
    /// <typeparam name="TVector">The vector type, e.g. <see cref="Vector512{T}"/>.</typeparam>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    internal unsafe interface ISimdOps<TVector, T>
        where TVector : unmanaged
        where T : unmanaged
    {
        /// <summary>Lanes per vector.</summary>
        static abstract int Count { get; }

        /// <summary>A vector of zeros.</summary>
        static abstract TVector Zero { get; }

        /// <summary>Loads <see cref="Count"/> values from <paramref name="source"/> (no alignment needed).</summary>
        static abstract TVector Load(T* source);

        /// <summary>Stores the lanes at <paramref name="destination"/>.</summary>
        static abstract void Store(TVector value, T* destination);

        /// <summary>Every lane set to <paramref name="value"/>.</summary>
        static abstract TVector Broadcast(T value);

        /// <summary><c>a · b + c</c> lane by lane, rounded once (fused multiply-add).</summary>
        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        /// <summary><c>a + b</c> lane by lane.</summary>
        static abstract TVector Add(TVector a, TVector b);

        /// <summary>The sum of the lanes.</summary>
        static abstract T Sum(TVector value);

        /// <summary>
        /// The lane sums of four vectors: one reduction tree for all four (horizontal adds), where four <see cref="Sum"/>
        /// calls cost four. A dot tile at a small k spends most of its time here. Results stay in registers.
        /// </summary>
        static abstract void Sum4(TVector v0, TVector v1, TVector v2, TVector v3, out T s0, out T s1, out T s2, out T s3);
    }

    /// <summary>AVX-512: 16 floats or 8 doubles per vector.</summary>
    internal readonly unsafe struct Simd512<T> : ISimdOps<Vector512<T>, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector512<T>.Count;

        public static Vector512<T> Zero => Vector512<T>.Zero;

        public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load(T* source) => Vector512.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<T> value, T* destination) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        {
            if (typeof(T) == typeof(float))
            {
                return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return (a * b) + c;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum(Vector512<T> value) => Vector512.Sum(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Sum4(Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3, out T s0, out T s1, out T s2, out T s3) =>
            Simd256<T>.Sum4(v0.GetLower() + v0.GetUpper(), v1.GetLower() + v1.GetUpper(), v2.GetLower() + v2.GetUpper(), v3.GetLower() + v3.GetUpper(), out s0, out s1, out s2, out s3);
    }

    /// <summary>AVX2 with FMA: 8 floats or 4 doubles per vector.</summary>
    internal readonly unsafe struct Simd256<T> : ISimdOps<Vector256<T>, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector256<T>.Count;

        public static Vector256<T> Zero => Vector256<T>.Zero;

        public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported && Vector256.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load(T* source) => Vector256.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<T> value, T* destination) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        {
            if (typeof(T) == typeof(float))
            {
                return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return (a * b) + c;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum(Vector256<T> value) => Vector256.Sum(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Sum4(Vector256<T> v0, Vector256<T> v1, Vector256<T> v2, Vector256<T> v3, out T s0, out T s1, out T s2, out T s3)
        {
            if (Avx.IsSupported && typeof(T) == typeof(float))
            {
                // Per 128-bit half: [Σv0, Σv1, Σv2, Σv3] of that half; the two halves are then added.
                Vector256<float> h = Avx.HorizontalAdd(
                    Avx.HorizontalAdd(v0.AsSingle(), v1.AsSingle()),
                    Avx.HorizontalAdd(v2.AsSingle(), v3.AsSingle()));
                Vector128<T> r = (h.GetLower() + h.GetUpper()).As<float, T>();
                (s0, s1, s2, s3) = (r.GetElement(0), r.GetElement(1), r.GetElement(2), r.GetElement(3));
                return;
            }

            if (Avx.IsSupported && typeof(T) == typeof(double))
            {
                Vector256<double> h01 = Avx.HorizontalAdd(v0.AsDouble(), v1.AsDouble());
                Vector256<double> h23 = Avx.HorizontalAdd(v2.AsDouble(), v3.AsDouble());
                Vector128<T> r01 = (h01.GetLower() + h01.GetUpper()).As<double, T>();
                Vector128<T> r23 = (h23.GetLower() + h23.GetUpper()).As<double, T>();
                (s0, s1, s2, s3) = (r01.GetElement(0), r01.GetElement(1), r23.GetElement(0), r23.GetElement(1));
                return;
            }

            Simd128<T>.Sum4(v0.GetLower() + v0.GetUpper(), v1.GetLower() + v1.GetUpper(), v2.GetLower() + v2.GetUpper(), v3.GetLower() + v3.GetUpper(), out s0, out s1, out s2, out s3);
        }
    }

    internal readonly unsafe struct Simd128<T> : ISimdOps<Vector128<T>, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector128<T>.Count;

        public static Vector128<T> Zero => Vector128<T>.Zero;

        public static bool IsSupported => Vector128.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> Load(T* source) => Vector128.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector128<T> value, T* destination) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        {
            if (typeof(T) == typeof(float))
            {
                if (Fma.IsSupported)
                {
                    return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
                }

                if (AdvSimd.IsSupported)
                {
                    return AdvSimd.FusedMultiplyAdd(c.AsSingle(), a.AsSingle(), b.AsSingle()).As<float, T>();
                }
            }

            if (typeof(T) == typeof(double))
            {
                if (Fma.IsSupported)
                {
                    return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
                }

                if (AdvSimd.Arm64.IsSupported)
                {
                    return AdvSimd.Arm64.FusedMultiplyAdd(c.AsDouble(), a.AsDouble(), b.AsDouble()).As<double, T>();
                }
            }

            return (a * b) + c;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum(Vector128<T> value) => Vector128.Sum(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Sum4(Vector128<T> v0, Vector128<T> v1, Vector128<T> v2, Vector128<T> v3, out T s0, out T s1, out T s2, out T s3)
        {
            if (typeof(T) == typeof(float) && (Sse3.IsSupported || AdvSimd.Arm64.IsSupported))
            {
                Vector128<float> r = Sse3.IsSupported
                    ? Sse3.HorizontalAdd(Sse3.HorizontalAdd(v0.AsSingle(), v1.AsSingle()), Sse3.HorizontalAdd(v2.AsSingle(), v3.AsSingle()))
                    : AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(v0.AsSingle(), v1.AsSingle()), AdvSimd.Arm64.AddPairwise(v2.AsSingle(), v3.AsSingle()));
                Vector128<T> rt = r.As<float, T>();
                (s0, s1, s2, s3) = (rt.GetElement(0), rt.GetElement(1), rt.GetElement(2), rt.GetElement(3));
                return;
            }

            if (typeof(T) == typeof(double) && (Sse3.IsSupported || AdvSimd.Arm64.IsSupported))
            {
                Vector128<double> r01 = Sse3.IsSupported ? Sse3.HorizontalAdd(v0.AsDouble(), v1.AsDouble()) : AdvSimd.Arm64.AddPairwise(v0.AsDouble(), v1.AsDouble());
                Vector128<double> r23 = Sse3.IsSupported ? Sse3.HorizontalAdd(v2.AsDouble(), v3.AsDouble()) : AdvSimd.Arm64.AddPairwise(v2.AsDouble(), v3.AsDouble());
                Vector128<T> t01 = r01.As<double, T>(), t23 = r23.As<double, T>();
                (s0, s1, s2, s3) = (t01.GetElement(0), t01.GetElement(1), t23.GetElement(0), t23.GetElement(1));
                return;
            }

            (s0, s1, s2, s3) = (Vector128.Sum(v0), Vector128.Sum(v1), Vector128.Sum(v2), Vector128.Sum(v3));
        }
    }
}
