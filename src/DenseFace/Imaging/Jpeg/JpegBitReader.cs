using System.Runtime.CompilerServices;

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

    /// <summary>Tops the buffer up to at least 57 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fill()
    {
        if (_count <= 56) FillSlow();
    }

    private void FillSlow()
    {
        var data = _data;
        int pos = _pos, limit = _limit, count = _count;
        ulong buffer = _buffer;
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
        _pos = pos; _limit = limit; _count = count; _buffer = buffer;
    }

    /// <summary>Decodes one Huffman symbol. Throws when the bits form no code of the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(JpegHuffmanTable table, string source)
    {
        if (_count < 16) FillSlow();
        int e = table.Lookup[(int)(_buffer >> (64 - JpegHuffmanTable.LookupBits))];
        if (e != 0)
        {
            int len = e >> 8;
            _buffer <<= len; _count -= len;
            return e & 0xFF;
        }
        return DecodeSymbolSlow(table, source);
    }

    private int DecodeSymbolSlow(JpegHuffmanTable table, string source)
    {
        var maxCode = table.MaxCode;
        for (int len = JpegHuffmanTable.LookupBits + 1; len <= 16; len++)
        {
            int code = (int)(_buffer >> (64 - len));
            if (code <= maxCode[len])
            {
                _buffer <<= len; _count -= len;
                int index = code + table.ValueOffset[len];
                return table.Values[index & 0xFF];
            }
        }
        throw new InvalidInputException(source, "corrupt JPEG data: bad Huffman code");
    }

    /// <summary>Reads <paramref name="n"/> (0..16) raw bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int n)
    {
        if (n == 0) return 0;
        if (_count < n) FillSlow();
        int v = (int)(_buffer >> (64 - n));
        _buffer <<= n; _count -= n;
        return v;
    }

    /// <summary>Reads one bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        if (_count < 1) FillSlow();
        int v = (int)(_buffer >> 63);
        _buffer <<= 1; _count--;
        return v;
    }

    /// <summary>Reads an <paramref name="s"/>-bit magnitude category value and sign-extends it (T.81 F.2.2.1 EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int s)
    {
        if (_count < s) FillSlow();
        int v = (int)(_buffer >> (64 - s));
        _buffer <<= s; _count -= s;
        return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
    }

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
