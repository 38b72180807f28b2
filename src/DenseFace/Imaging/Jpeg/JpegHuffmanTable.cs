namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// A Huffman decoding table (T.81 annex C/F.2.2.3) with a 9-bit lookahead table for the common short codes
/// and the canonical MAXCODE/VALPTR arrays for the rest (up to 16 bits).
/// </summary>
internal sealed class JpegHuffmanTable
{
    /// <summary>Codes up to this many bits are resolved by one table lookup.</summary>
    public const int LookupBits = 9;

    /// <summary>Indexed by the next <see cref="LookupBits"/> bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer.</summary>
    public readonly ushort[] Lookup = new ushort[1 << LookupBits];

    /// <summary>Largest code of each length 1..16 (-1 when none); index 17 is a sentinel.</summary>
    public readonly int[] MaxCode = new int[18];

    /// <summary>Symbol index = code + ValueOffset[length].</summary>
    public readonly int[] ValueOffset = new int[17];

    /// <summary>The symbols, in code order.</summary>
    public readonly byte[] Values = new byte[256];

    /// <summary>
    /// For AC tables: indexed like <see cref="Lookup"/>; when the code and its magnitude bits both fit in the
    /// lookahead, (value &lt;&lt; 8) | (run &lt;&lt; 4) | total bit length, with the value already sign-extended; else 0.
    /// </summary>
    public readonly int[] FastAc = new int[1 << LookupBits];

    /// <summary>Builds the table from the DHT code-length counts (16 entries) and symbols; throws on an over-subscribed table.</summary>
    public void Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, string source)
    {
        Array.Clear(Lookup);
        values.CopyTo(Values);
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            ValueOffset[len] = k - code;
            for (int i = 0; i < n; i++, code++, k++)
            {
                if (code >= (1 << len))
                    throw new InvalidInputException(source, "corrupt JPEG: bad Huffman table (code lengths over-subscribed)");
                if (len <= LookupBits)
                {
                    int shift = LookupBits - len;
                    ushort entry = (ushort)((len << 8) | values[k]);
                    int first = code << shift;
                    Lookup.AsSpan(first, 1 << shift).Fill(entry);
                }
            }
            MaxCode[len] = n > 0 ? code - 1 : -1;
            code <<= 1;
        }
        MaxCode[17] = int.MaxValue;

        for (int i = 0; i < Lookup.Length; i++)
        {
            int e = Lookup[i], len = e >> 8, rs = e & 0xFF, run = rs >> 4, size = rs & 15;
            FastAc[i] = 0;
            if (e == 0 || size == 0 || len + size > LookupBits) continue;
            int bits = (i >> (LookupBits - len - size)) & ((1 << size) - 1);
            int value = bits < (1 << (size - 1)) ? bits - (1 << size) + 1 : bits;
            FastAc[i] = (value << 8) | (run << 4) | (len + size);
        }
    }

    /// <summary>
    /// Resolves a code longer than <see cref="LookupBits"/> from the left-aligned bits in <paramref name="buffer"/>:
    /// returns (code length &lt;&lt; 8) | symbol. Throws when the bits form no code.
    /// </summary>
    public int DecodeLong(ulong buffer, string source)
    {
        for (int len = LookupBits + 1; len <= 16; len++)
        {
            int code = (int)(buffer >> (64 - len));
            if (code <= MaxCode[len]) return (len << 8) | Values[(code + ValueOffset[len]) & 0xFF];
        }
        throw new InvalidInputException(source, "corrupt JPEG data: bad Huffman code");
    }
}
