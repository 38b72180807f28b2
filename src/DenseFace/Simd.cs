using System.Runtime.Intrinsics;

namespace DenseFace;

/// <summary>
/// Vector width the library's SIMD code uses, widest first: AVX-512 (x64), AVX2 (x64), 128-bit vectors
/// (SSE4 on x64, AdvSimd/NEON on ARM64) and plain scalar code. One scheme for the whole library: neural
/// kernels, image codecs and the fitter all dispatch on <see cref="Simd.Level"/>.
/// </summary>
internal enum SimdLevel { Scalar, Vector128, Vector256, Vector512 }

/// <summary>
/// The SIMD level in use: detected once from <c>VectorNNN.IsHardwareAccelerated</c> (so the runtime's
/// <c>DOTNET_EnableAVX512F=0</c> / <c>DOTNET_EnableAVX2=0</c> switches lower it), overridable by tests to run
/// every fallback against the same references. Code at a level may use any narrower level's vectors.
/// </summary>
internal static class Simd
{
    /// <summary>The widest level this process's hardware (and runtime configuration) accelerates.</summary>
    public static readonly SimdLevel Detected =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdLevel.Vector256 :
        Vector128.IsHardwareAccelerated ? SimdLevel.Vector128 : SimdLevel.Scalar;

    /// <summary>Level in use (tests lower it to check the fallbacks against the same references; never above <see cref="Detected"/>).</summary>
    public static SimdLevel Level = Detected;
}
