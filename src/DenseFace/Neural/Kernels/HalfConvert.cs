using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// Exact IEEE binary16 -&gt; binary32 conversion in software (.NET 10 exposes no F16C / vcvtph2ps), for weights stored as
/// fp16 and accumulated in fp32. A half h widened with sign extension to 32 bits and shifted left by 13 holds its
/// exponent and mantissa in a float's bits 13..27 and copies of its sign in bits 28..31; masking bits 28..30 away
/// (<c>&amp; 0x8FFFFFFF</c>) leaves a float whose value is h * 2^-112 exactly (a half subnormal becomes a float
/// subnormal with the same mantissa), so one multiplication by 2^112 gives h exactly, normals and subnormals alike,
/// with the sign kept. Three vector operations per vector (sign-extending load, shift, and) plus the multiplication;
/// infinities and NaNs are not handled (they come out finite), which callers exclude (<see cref="TryNarrowExact"/>).
/// </summary>
internal static unsafe class HalfConvert
{
    /// <summary>2^112: scales the re-biased float to the half's value.</summary>
    public const float Scale = 5.192296858534828e33f;
    /// <summary>Keeps the sign (bit 31) and the shifted exponent and mantissa (bits 13..27).</summary>
    public const int Mask = unchecked((int)0x8FFF_FFFF);

    /// <summary>dst[i] = (float)src[i] for finite halves, at <see cref="Simd.Level"/> (Vector512/256/128, scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ReadOnlySpan<Half> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("destination shorter than source", nameof(dst));
        int n = src.Length, i = 0;
        fixed (Half* ph = src)
        fixed (float* pf = dst)
        {
            short* s = (short*)ph;
            if (Simd.Level >= SimdLevel.Vector512)
                for (; i + 16 <= n; i += 16) Load16(s + i).Store(pf + i);
            if (Simd.Level >= SimdLevel.Vector256)
                for (; i + 8 <= n; i += 8) Load8(s + i).Store(pf + i);
            if (Simd.Level >= SimdLevel.Vector128)
                for (; i + 4 <= n; i += 4) Load4(s + i).Store(pf + i);
            for (; i < n; i++) pf[i] = Scalar(s[i]);
        }
    }

    /// <summary>The bit manipulation on one half (the vector paths' formula; the scalar tail uses it too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(short h) => BitConverter.Int32BitsToSingle((h << 13) & Mask) * Scale;

    /// <summary>16 halves at <paramref name="p"/> as floats (vpmovsxwd, vpslld, vpandd, vmulps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(short* p)
    {
        var wide = Avx512F.IsSupported ? Avx512F.ConvertToVector512Int32(Vector256.Load(p)) : Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe());
        return (Vector512.ShiftLeft(wide, 13) & Vector512.Create(Mask)).AsSingle() * Vector512.Create(Scale);
    }

    /// <summary>8 halves at <paramref name="p"/> as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(short* p)
    {
        var wide = Avx2.IsSupported ? Avx2.ConvertToVector256Int32(p) : Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe());
        return (Vector256.ShiftLeft(wide, 13) & Vector256.Create(Mask)).AsSingle() * Vector256.Create(Scale);
    }

    /// <summary>4 halves at <paramref name="p"/> as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load4(short* p)
    {
        var wide = Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)p).AsInt16());
        return (Vector128.ShiftLeft(wide, 13) & Vector128.Create(Mask)).AsSingle() * Vector128.Create(Scale);
    }

    /// <summary>
    /// The halves of <paramref name="values"/> when every value is finite and exactly representable in fp16 (so
    /// converting back gives the same bits, -0 included); null otherwise (the caller keeps fp32).
    /// </summary>
    public static Half[]? TryNarrowExact(ReadOnlySpan<float> values)
    {
        var half = new Half[values.Length];
        TensorPrimitives.ConvertToHalf(values, half); // round to nearest even; overflow gives infinity
        Span<float> back = stackalloc float[1024];
        var bits = MemoryMarshal.Cast<float, uint>(values);
        for (int i = 0; i < values.Length; i += back.Length)
        {
            int n = Math.Min(back.Length, values.Length - i);
            var chunk = half.AsSpan(i, n);
            // this converter maps infinities and NaNs to finite values, so they fail the comparison below
            ToSingle(chunk, back);
            if (!MemoryMarshal.Cast<float, uint>(back[..n]).SequenceEqual(bits.Slice(i, n))) return null;
        }
        return half;
    }
}
