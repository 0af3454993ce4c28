using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// The choice of <see cref="GemmPath"/> at start-up: the widest path this processor runs, or a narrower one named by
    /// the environment variable <c>NETGEN_KERNEL_PATH</c> (read once, for benchmarks and tests). A path wider than the
    /// processor offers is never used: asking for one gives the widest the processor has, and <see cref="Reason"/> says so.
    /// A value that names no path is a configuration mistake: every kernel call throws an
    /// <see cref="InvalidOperationException"/> that names it.
    /// </summary>
    internal static class KernelPaths
    {
        /// <summary>The environment variable that forces a narrower path.</summary>
        public const string EnvironmentVariable = "NETGEN_KERNEL_PATH";

        private static readonly GemmPath s_path;
        private static readonly string s_reason;

        /// <summary>The message of a value that names no path; null when the choice is valid.</summary>
        private static readonly string? s_error;

        static KernelPaths()
        {
            try
            {
                (s_path, s_reason) = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable), Best);
            }
            catch (InvalidOperationException error)
            {
                (s_path, s_reason, s_error) = (GemmPath.Scalar, error.Message, error.Message);
            }
        }

        /// <summary>
        /// The path in use. A static read-only test the JIT folds away once the class is initialized; the throw is in its own
        /// method, so that this one inlines (with the throw in it every kernel call called it).
        /// </summary>
        /// <exception cref="InvalidOperationException"><c>NETGEN_KERNEL_PATH</c> names no path.</exception>
        public static GemmPath Current
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => s_error is null ? s_path : ThrowInvalid();
        }

        /// <summary>
        /// <see cref="Current"/>, or <see cref="GemmPath.Scalar"/> where it would throw: for kernels that narrow their own
        /// choice to the path (dropout masks) and leave the error to the GEMM.
        /// </summary>
        public static GemmPath PathOrScalar => s_path;

        /// <summary>Why <see cref="Current"/> is the path in use, in one sentence.</summary>
        /// <exception cref="InvalidOperationException"><c>NETGEN_KERNEL_PATH</c> names no path.</exception>
        public static string Reason => s_error is null ? s_reason : throw new InvalidOperationException(s_error);

        [DoesNotReturn]
        private static GemmPath ThrowInvalid() => throw new InvalidOperationException(s_error);

        /// <summary>The widest path this processor runs.</summary>
        public static GemmPath Best
        {
            get
            {
                GemmPath[] paths = Supported();
                return paths[paths.Length - 1];
            }
        }

        /// <summary>The paths this processor can run, narrowest first; <see cref="GemmPath.Scalar"/> always.</summary>
        public static GemmPath[] Supported()
        {
            if (Simd512<float>.IsSupported)
            {
                return [GemmPath.Scalar, GemmPath.Vector128, GemmPath.Vector256, GemmPath.Vector512];
            }

            if (Simd256<float>.IsSupported)
            {
                return [GemmPath.Scalar, GemmPath.Vector128, GemmPath.Vector256];
            }

            return Simd128<float>.IsSupported ? [GemmPath.Scalar, GemmPath.Vector128] : [GemmPath.Scalar];
        }

        /// <summary>
        /// The path for a value of <c>NETGEN_KERNEL_PATH</c> (null or blank: not set) on a processor whose widest path is
        /// <paramref name="best"/>, and why. Names are compared ignoring case and surrounding spaces.
        /// </summary>
        /// <exception cref="InvalidOperationException">The value names no path.</exception>
        public static (GemmPath Path, string Reason) Choose(string? requested, GemmPath best)
        {
            if (string.IsNullOrWhiteSpace(requested))
            {
                return (best, string.Create(CultureInfo.InvariantCulture, $"{best}: the widest path this processor and build support ({EnvironmentVariable} is not set)."));
            }

            string name = requested.Trim();
            if (!TryParse(name, out GemmPath path))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{EnvironmentVariable} is \"{requested}\"; expected Vector512, Vector256, Vector128 or Scalar (any case), or no value for the widest path this processor offers ({best})."));
            }

            if (path > best)
            {
                return (best, string.Create(CultureInfo.InvariantCulture, $"{best}: {EnvironmentVariable}={name} asks for more than this processor and build support, so the widest they do is used."));
            }

            return (path, string.Create(CultureInfo.InvariantCulture, $"{path}: forced by {EnvironmentVariable}={name} (this processor and build support up to {best})."));
        }

        private static bool TryParse(string name, out GemmPath path)
        {
            foreach (GemmPath candidate in new[] { GemmPath.Scalar, GemmPath.Vector128, GemmPath.Vector256, GemmPath.Vector512 })
            {
                if (string.Equals(name, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    path = candidate;
                    return true;
                }
            }

            path = GemmPath.Scalar;
            return false;
        }
    }
}
