using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// Reads entropy-coded JPEG data MSB first through a 64-bit buffer, removing the 0xFF00 byte stuffing.
/// It stops at the first marker (or the end of the data) and from then on supplies zero bits, the way
/// libjpeg treats a premature end of the entropy-coded segment; the caller's loops are bounded by the
/// MCU count, so corrupt or truncated data can never make decoding run away.
/// </summary>
internal struct JpegBitReader
{
    private readonly byte[] _data;
    private int _pos;
    private int _limit;        // data.Length, or the position of the marker that ended the segment
    private ulong _buffer;     // next bits, left aligned
    private int _count;        // valid bits in _buffer (zero padding counts once the data is exhausted)

    public JpegBitReader(byte[] data, int start)
    {
        _data = data; _pos = start; _limit = data.Length; _buffer = 0; _count = 0;
    }

    /// <summary>Position of the first byte not yet moved into the bit buffer.</summary>
    public readonly int Position => _pos;

    /// <summary>Returns <paramref name="buffer"/> topped up to at least 57 valid bits (and the new count).</summary>
    private (ulong Buffer, int Count) Refill(ulong buffer, int count)
    {
        var data = _data;
        int pos = _pos, limit = _limit;
        if ((uint)(pos + 8) <= (uint)limit && count < 64)
        {
            // Fast path: the next 8 bytes contain no 0xFF, so whole bytes can be appended at once.
            ulong v = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(pos, 8));
            ulong inv = ~v;
            if (((inv - 0x0101010101010101UL) & ~inv & 0x8080808080808080UL) == 0)
            {
                int nbytes = (64 - count) >> 3;
                ulong keep = nbytes == 8 ? ulong.MaxValue : ~(ulong.MaxValue >> (8 * nbytes));
                buffer |= (v & keep) >> count;
                _pos = pos + nbytes;
                return (buffer, count + 8 * nbytes);
            }
        }
        while (count <= 56)
        {
            uint b = 0;
            if ((uint)pos < (uint)limit)
            {
                b = data[pos];
                if (b != 0xFF) pos++;
                else if (pos + 1 < data.Length && data[pos + 1] == 0) pos += 2;
                else { limit = pos; b = 0; } // a marker (or a lone 0xFF at the end): the segment ends here
            }
            buffer |= (ulong)b << (56 - count);
            count += 8;
        }
        _pos = pos; _limit = limit;
        return (buffer, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Extend(int v, int s) => v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;

    /// <summary>
    /// Decodes one sequential (baseline/extended) block into <paramref name="block"/> (64 coefficients, natural
    /// order, zeroed by the caller), updating the DC predictor. Returns whether any AC coefficient was coded.
    /// The bit buffer lives in locals for the whole block.
    /// </summary>
    public bool DecodeBlock(JpegHuffmanTable dc, JpegHuffmanTable ac, ref int predictor, Span<short> block, string source)
    {
        if (block.Length < 64) throw new ArgumentException("block needs 64 coefficients", nameof(block));
        ulong buf = _buffer;
        int cnt = _count;
        if (cnt < 32) (buf, cnt) = Refill(buf, cnt);
        int e = dc.Lookup[(int)(buf >> (64 - JpegHuffmanTable.LookupBits))];
        if (e == 0) e = dc.DecodeLong(buf, source);
        int len = e >> 8, s = e & 0xFF;
        buf <<= len; cnt -= len;
        if (s != 0)
        {
            if (s > 16) throw new InvalidInputException(source, $"corrupt JPEG data: DC difference category {s}");
            int v = (int)(buf >> (64 - s));
            buf <<= s; cnt -= s;
            predictor += Extend(v, s);
        }
        ref short b0 = ref MemoryMarshal.GetReference(block);
        b0 = (short)predictor;

        bool any = false;
        int[] fast = ac.FastAc;
        ushort[] lookup = ac.Lookup;
        ref byte zz = ref MemoryMarshal.GetReference(JpegTables.ZigZagToNatural);
        for (int k = 1; k < 64;)
        {
            if (cnt < 32) (buf, cnt) = Refill(buf, cnt);
            int idx = (int)(buf >> (64 - JpegHuffmanTable.LookupBits));
            int f = fast[idx];
            if (f != 0)
            {
                k += (f >> 4) & 15;
                buf <<= f & 15; cnt -= f & 15;
                if (k > 63) throw new InvalidInputException(source, "corrupt JPEG data: AC coefficient index past 63");
                Unsafe.Add(ref b0, Unsafe.Add(ref zz, k)) = (short)(f >> 8);
                any = true;
                k++;
                continue;
            }
            e = lookup[idx];
            if (e == 0) e = ac.DecodeLong(buf, source);
            len = e >> 8;
            buf <<= len; cnt -= len;
            int r = (e >> 4) & 15;
            s = e & 15;
            if (s == 0)
            {
                if (r != 15) break;
                k += 16;
                continue;
            }
            k += r;
            if (k > 63) throw new InvalidInputException(source, "corrupt JPEG data: AC coefficient index past 63");
            int bits = (int)(buf >> (64 - s));
            buf <<= s; cnt -= s;
            Unsafe.Add(ref b0, Unsafe.Add(ref zz, k)) = (short)Extend(bits, s);
            any = true;
            k++;
        }
        _buffer = buf; _count = cnt;
        return any;
    }

    /// <summary>
    /// Progressive AC first scan for one block (T.81 G.1.2.2): coefficients Ss..Se, scaled by 2^Al, with end-of-band
    /// runs spanning blocks through <paramref name="eobRun"/>.
    /// </summary>
    public void DecodeAcFirst(JpegHuffmanTable ac, Span<short> block, int ss, int se, int al, ref int eobRun, string source)
    {
        if (eobRun > 0) { eobRun--; return; }
        if (block.Length < 64) throw new ArgumentException("block needs 64 coefficients", nameof(block));
        ulong buf = _buffer;
        int cnt = _count;
        ref short b0 = ref MemoryMarshal.GetReference(block);
        ref byte zz = ref MemoryMarshal.GetReference(JpegTables.ZigZagToNatural);
        int[] fast = ac.FastAc;
        ushort[] lookup = ac.Lookup;
        for (int k = ss; k <= se;)
        {
            if (cnt < 32) (buf, cnt) = Refill(buf, cnt);
            int idx = (int)(buf >> (64 - JpegHuffmanTable.LookupBits));
            int f = fast[idx];
            if (f != 0)
            {
                k += (f >> 4) & 15;
                buf <<= f & 15; cnt -= f & 15;
                if (k > 63) throw new InvalidInputException(source, "corrupt JPEG data: AC coefficient index past 63");
                Unsafe.Add(ref b0, Unsafe.Add(ref zz, k)) = (short)((f >> 8) * (1 << al));
                k++;
                continue;
            }
            int e = lookup[idx];
            if (e == 0) e = ac.DecodeLong(buf, source);
            int len = e >> 8;
            buf <<= len; cnt -= len;
            int r = (e >> 4) & 15, s = e & 15;
            if (s == 0)
            {
                if (r < 15)
                {
                    eobRun = (1 << r) - 1;
                    if (r > 0)
                    {
                        eobRun += (int)(buf >> (64 - r));
                        buf <<= r; cnt -= r;
                    }
                    break;
                }
                k += 16;
                continue;
            }
            k += r;
            if (k > 63) throw new InvalidInputException(source, "corrupt JPEG data: AC coefficient index past 63");
            int bits = (int)(buf >> (64 - s));
            buf <<= s; cnt -= s;
            Unsafe.Add(ref b0, Unsafe.Add(ref zz, k)) = (short)(Extend(bits, s) * (1 << al));
            k++;
        }
        _buffer = buf; _count = cnt;
    }

    /// <summary>
    /// Progressive AC refinement scan for one block (T.81 G.1.2.3), following libjpeg's decode_mcu_AC_refine:
    /// newly significant coefficients get +-2^Al, already non-zero ones in the band receive a correction bit.
    /// </summary>
    public void DecodeAcRefine(JpegHuffmanTable ac, Span<short> block, int ss, int se, int al, ref int eobRun, string source)
    {
        if (block.Length < 64) throw new ArgumentException("block needs 64 coefficients", nameof(block));
        ulong buf = _buffer;
        int cnt = _count;
        ref short b0 = ref MemoryMarshal.GetReference(block);
        ref byte zz = ref MemoryMarshal.GetReference(JpegTables.ZigZagToNatural);
        ushort[] lookup = ac.Lookup;
        int p1 = 1 << al, m1 = -1 << al;
        int k = ss;
        if (eobRun == 0)
        {
            for (; k <= se; k++)
            {
                if (cnt < 32) (buf, cnt) = Refill(buf, cnt);
                int e = lookup[(int)(buf >> (64 - JpegHuffmanTable.LookupBits))];
                if (e == 0) e = ac.DecodeLong(buf, source);
                int len = e >> 8;
                buf <<= len; cnt -= len;
                int r = (e >> 4) & 15, s = e & 15;
                if (s != 0)
                {
                    if (s != 1) throw new InvalidInputException(source, "corrupt JPEG data: refinement coefficient magnitude is not 1");
                    s = (long)buf < 0 ? p1 : m1;
                    buf <<= 1; cnt--;
                }
                else if (r != 15)
                {
                    eobRun = 1 << r;
                    if (r > 0)
                    {
                        eobRun += (int)(buf >> (64 - r));
                        buf <<= r; cnt -= r;
                    }
                    break;
                }
                do
                {
                    ref short coef = ref Unsafe.Add(ref b0, Unsafe.Add(ref zz, k));
                    if (coef != 0)
                    {
                        if (cnt < 1) (buf, cnt) = Refill(buf, cnt);
                        bool bit = (long)buf < 0;
                        buf <<= 1; cnt--;
                        if (bit && (coef & p1) == 0) coef = (short)(coef >= 0 ? coef + p1 : coef + m1);
                    }
                    else if (--r < 0)
                    {
                        break;
                    }
                    k++;
                } while (k <= se);
                if (s != 0)
                {
                    if (k > se) throw new InvalidInputException(source, "corrupt JPEG data: refinement coefficient index past the end of the band");
                    Unsafe.Add(ref b0, Unsafe.Add(ref zz, k)) = (short)s;
                }
            }
        }
        if (eobRun > 0)
        {
            for (; k <= se; k++)
            {
                ref short coef = ref Unsafe.Add(ref b0, Unsafe.Add(ref zz, k));
                if (coef == 0) continue;
                if (cnt < 1) (buf, cnt) = Refill(buf, cnt);
                bool bit = (long)buf < 0;
                buf <<= 1; cnt--;
                if (bit && (coef & p1) == 0) coef = (short)(coef >= 0 ? coef + p1 : coef + m1);
            }
            eobRun--;
        }
        _buffer = buf; _count = cnt;
    }

    /// <summary>Decodes one Huffman symbol. Throws when the bits form no code of the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(JpegHuffmanTable table, string source)
    {
        if (_count < 16) (_buffer, _count) = Refill(_buffer, _count);
        int e = table.Lookup[(int)(_buffer >> (64 - JpegHuffmanTable.LookupBits))];
        if (e == 0) e = table.DecodeLong(_buffer, source);
        int len = e >> 8;
        _buffer <<= len; _count -= len;
        return e & 0xFF;
    }

    /// <summary>Reads <paramref name="n"/> (0..16) raw bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int n)
    {
        if (n == 0) return 0;
        if (_count < n) (_buffer, _count) = Refill(_buffer, _count);
        int v = (int)(_buffer >> (64 - n));
        _buffer <<= n; _count -= n;
        return v;
    }

    /// <summary>Reads one bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        if (_count < 1) (_buffer, _count) = Refill(_buffer, _count);
        int v = (int)(_buffer >> 63);
        _buffer <<= 1; _count--;
        return v;
    }

    /// <summary>Reads an <paramref name="s"/>-bit (1..16) magnitude category value and sign-extends it (T.81 F.2.2.1 EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int s) => Extend(ReadBits(s), s);

    /// <summary>
    /// Handles a restart interval boundary: drops the buffered bits, skips to the next marker and consumes it
    /// if it is RSTn. Any other marker (or the end of data) is left in place, so the rest of the scan reads zeros.
    /// </summary>
    public void Restart()
    {
        _buffer = 0; _count = 0;
        var data = _data;
        int p = _pos;
        while (p + 1 < data.Length && !(data[p] == 0xFF && data[p + 1] != 0 && data[p + 1] != 0xFF)) p++;
        if (p + 1 < data.Length && data[p + 1] >= 0xD0 && data[p + 1] <= 0xD7)
        {
            _pos = p + 2; _limit = data.Length;
        }
        else
        {
            _pos = p; _limit = p;
        }
    }
}
