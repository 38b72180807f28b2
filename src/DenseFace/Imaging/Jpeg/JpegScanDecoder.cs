using System.Runtime.CompilerServices;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// Decodes the entropy-coded data of one scan (T.81 annex F for sequential, G.1.2 for progressive Huffman).
/// Sequential blocks are inverse transformed as soon as they are decoded (no coefficient storage);
/// progressive scans accumulate into <see cref="JpegComponent.Coefficients"/>.
/// </summary>
internal sealed class JpegScanDecoder
{
    private readonly string _source;
    private readonly int _restartInterval;
    private int _eobRun;

    public JpegScanDecoder(string source, int restartInterval)
    {
        _source = source;
        _restartInterval = restartInterval;
    }

    private InvalidInputException Corrupt(string what) => new(_source, "corrupt JPEG data: " + what);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RestartIfDue(ref JpegBitReader reader, int mcu, JpegComponent[] comps)
    {
        if (_restartInterval == 0 || mcu == 0 || mcu % _restartInterval != 0) return;
        reader.Restart();
        foreach (var c in comps) c.DcPredictor = 0;
        _eobRun = 0;
    }

    public void DecodeSequential(ref JpegBitReader reader, JpegComponent[] comps, int mcusPerLine, int mcusPerColumn)
    {
        Span<short> block = stackalloc short[64];
        if (comps.Length == 1)
        {
            var c = comps[0];
            int mcu = 0;
            for (int by = 0; by < c.HeightInBlocks; by++)
                for (int bx = 0; bx < c.WidthInBlocks; bx++, mcu++)
                {
                    RestartIfDue(ref reader, mcu, comps);
                    DecodeAndStoreBlock(ref reader, c, block, bx, by);
                }
            return;
        }
        int m = 0;
        for (int my = 0; my < mcusPerColumn; my++)
            for (int mx = 0; mx < mcusPerLine; mx++, m++)
            {
                RestartIfDue(ref reader, m, comps);
                foreach (var c in comps)
                    for (int v = 0; v < c.V; v++)
                        for (int h = 0; h < c.H; h++)
                            DecodeAndStoreBlock(ref reader, c, block, mx * c.H + h, my * c.V + v);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DecodeAndStoreBlock(ref JpegBitReader reader, JpegComponent c, Span<short> block, int bx, int by)
    {
        block.Clear();
        bool hasAc = reader.DecodeBlock(c.DcTable!, c.AcTable!, ref c.DcPredictor, block, _source);
        int stride = c.Stride;
        int offset = by * 8 * stride + bx * 8;
        if (hasAc) JpegIdct.Transform(block, c.Quant, c.Plane, offset, stride);
        else JpegIdct.TransformDcOnly(block[0], c.Quant![0], c.Plane, offset, stride);
    }

    public void DecodeProgressive(ref JpegBitReader reader, JpegComponent[] comps, int mcusPerLine, int mcusPerColumn, int ss, int se, int ah, int al)
    {
        _eobRun = 0;
        if (comps.Length == 1)
        {
            var c = comps[0];
            int mcu = 0;
            for (int by = 0; by < c.HeightInBlocks; by++)
                for (int bx = 0; bx < c.WidthInBlocks; bx++, mcu++)
                {
                    RestartIfDue(ref reader, mcu, comps);
                    var block = c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
                    DecodeProgressiveBlock(ref reader, c, block, ss, se, ah, al);
                }
            return;
        }
        int m = 0;
        for (int my = 0; my < mcusPerColumn; my++)
            for (int mx = 0; mx < mcusPerLine; mx++, m++)
            {
                RestartIfDue(ref reader, m, comps);
                foreach (var c in comps)
                    for (int v = 0; v < c.V; v++)
                        for (int h = 0; h < c.H; h++)
                        {
                            int b = ((my * c.V + v) * c.BlocksPerLine + mx * c.H + h) * 64;
                            DecodeProgressiveBlock(ref reader, c, c.Coefficients.AsSpan(b, 64), ss, se, ah, al);
                        }
            }
    }

    private void DecodeProgressiveBlock(ref JpegBitReader reader, JpegComponent c, Span<short> block, int ss, int se, int ah, int al)
    {
        if (ss == 0)
        {
            if (ah == 0)
            {
                int s = reader.DecodeSymbol(c.DcTable!, _source);
                if (s > 15) throw Corrupt($"DC difference category {s}");
                c.DcPredictor += s == 0 ? 0 : reader.ReceiveExtend(s);
                block[0] = (short)(c.DcPredictor * (1 << al));
            }
            else if (reader.ReadBit() != 0)
            {
                block[0] |= (short)(1 << al);
            }
            return;
        }
        if (ah == 0) reader.DecodeAcFirst(c.AcTable!, block, ss, se, al, ref _eobRun, _source);
        else reader.DecodeAcRefine(c.AcTable!, block, ss, se, al, ref _eobRun, _source);
    }
}
