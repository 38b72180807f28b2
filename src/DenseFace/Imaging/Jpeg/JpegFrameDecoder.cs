using System.Buffers;
using System.Buffers.Binary;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// Parses the marker segments of one JPEG file, decodes its scans into per-component sample planes and
/// converts them to an <see cref="Image8"/>. One instance decodes one file.
/// </summary>
internal sealed class JpegFrameDecoder
{
    private const int MaxComponents = 4;
    private const int MaxBlocksPerMcu = 10; // T.81 B.2.3
    /// <summary>Planes up to this many samples (16 M, a 4K x 4K component) come from the shared array pool; larger ones are allocated so the pool never pins huge arrays.</summary>
    private const int PoolLimit = 1 << 24;
    /// <summary>
    /// A complete scan needs at least 2 bits per block (1-bit DC and EOB codes), i.e. 4 blocks per byte; frames
    /// claiming more than 64 blocks per byte of file are rejected as corrupt before anything is allocated (this
    /// still allows files truncated to 1/16 of their size to decode partially).
    /// </summary>
    private const int MaxBlocksPerFileByte = 64;
    /// <summary>Progressive files use about 10 scans; more than this is treated as corrupt (bounds decoding work).</summary>
    private const int MaxScans = 256;

    private readonly byte[] _data;
    private readonly string _source;
    private readonly int[]?[] _quant = new int[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable[4];
    private JpegComponent[] _components = [];
    private int _width, _height, _hMax, _vMax, _mcusPerLine, _mcusPerColumn;
    private bool _progressive, _frameSeen, _jfif, _adobe;
    private int _adobeTransform = -1;
    private int _restartInterval;
    private int _scansDecoded;

    public JpegFrameDecoder(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Exif orientation found in an APP1 segment (1 when none).</summary>
    public int ExifOrientation { get; private set; } = 1;

    private InvalidInputException Error(string problem) => new(_source, problem);

    public Image8 Decode()
    {
        try
        {
            return DecodeCore();
        }
        finally
        {
            // Planes and coefficient buffers are pooled: a decode of a typical photo then allocates only the output image.
            foreach (var c in _components)
            {
                if (c.Plane.Length is > 0 and <= PoolLimit) ArrayPool<byte>.Shared.Return(c.Plane);
                if (c.Coefficients is { Length: <= PoolLimit }) ArrayPool<short>.Shared.Return(c.Coefficients);
                c.Plane = []; c.Coefficients = null;
            }
        }
    }

    private Image8 DecodeCore()
    {
        var d = _data;
        if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8)
            throw Error("not a JPEG file (missing SOI marker)");
        int pos = 2;
        while (true)
        {
            // Find the next marker, skipping garbage and fill bytes (libjpeg warns about extraneous data and goes on).
            while (pos < d.Length && d[pos] != 0xFF) pos++;
            while (pos < d.Length && d[pos] == 0xFF) pos++;
            if (pos >= d.Length)
            {
                if (_scansDecoded > 0) break; // truncated after image data: use what was decoded
                throw Error(_frameSeen ? "truncated JPEG: no image data (no scan before end of file)" : "truncated JPEG: no frame header before end of file");
            }
            int marker = d[pos++];
            if (marker == 0x00) continue; // stuffed 0xFF00 in leftover entropy-coded data: not a marker
            if (marker == 0xD9) break; // EOI
            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7)) continue; // standalone markers
            if (pos + 2 > d.Length)
            {
                if (_scansDecoded > 0) break;
                throw Error($"truncated JPEG: marker 0xFF{marker:X2} has no length");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos));
            if (length < 2) throw Error($"corrupt JPEG: marker 0xFF{marker:X2} has invalid length {length}");
            if (pos + length > d.Length)
            {
                if (_scansDecoded > 0) break;
                throw Error($"truncated JPEG: marker 0xFF{marker:X2} segment of {length} bytes runs past the end of the file");
            }
            var seg = d.AsSpan(pos + 2, length - 2);
            int next = pos + length;
            switch (marker)
            {
                case 0xC0: case 0xC1: case 0xC2:
                    ReadFrameHeader(seg, marker == 0xC2);
                    break;
                case 0xC3: case 0xC5: case 0xC6: case 0xC7: case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
                    throw Error($"unsupported JPEG process (SOF marker 0xFF{marker:X2}: lossless, hierarchical or arithmetic coding)");
                case 0xC4: ReadHuffmanTables(seg); break;
                case 0xCC: throw Error("unsupported JPEG: arithmetic coding");
                case 0xDB: ReadQuantTables(seg); break;
                case 0xDD:
                    if (seg.Length < 2) throw Error("corrupt JPEG: DRI segment too short");
                    _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(seg);
                    break;
                case 0xDC: throw Error("unsupported JPEG: DNL marker (image height defined after the scan)");
                case 0xDA:
                    next = DecodeScan(seg, next);
                    _scansDecoded++;
                    break;
                case 0xE0:
                    if (seg.Length >= 5 && seg[..5].SequenceEqual("JFIF\0"u8)) _jfif = true;
                    break;
                case 0xE1:
                    if (ExifOrientation == 1) ExifOrientation = Jpeg.ExifOrientation.FromApp1(seg);
                    break;
                case 0xEE:
                    if (seg.Length >= 12 && seg[..5].SequenceEqual("Adobe"u8)) { _adobe = true; _adobeTransform = seg[11]; }
                    break;
            }
            pos = next;
        }
        if (!_frameSeen) throw Error("no frame header (SOF) found");
        if (_scansDecoded == 0) throw Error("no image data (no SOS scan) found");
        if (_progressive) InverseTransformAll();
        else
            foreach (var c in _components)
                if (c.Quant == null) Array.Fill(c.Plane, (byte)128); // component never appeared in a scan
        return JpegColorOutput.Convert(_components, _width, _height, _hMax, _vMax, ColorTransform(), _source);
    }

    private JpegColorTransform ColorTransform()
    {
        switch (_components.Length)
        {
            case 1: return JpegColorTransform.Gray;
            case 3:
                if (_jfif) return JpegColorTransform.YCbCr;
                if (_adobe) return _adobeTransform == 0 ? JpegColorTransform.Rgb : JpegColorTransform.YCbCr;
                if (_components[0].Id == 'R' && _components[1].Id == 'G' && _components[2].Id == 'B') return JpegColorTransform.Rgb;
                return JpegColorTransform.YCbCr;
            case 4:
                if (!_adobe) throw Error("unsupported JPEG: 4-component image without Adobe marker (unknown colour space)");
                return _adobeTransform == 2 ? JpegColorTransform.Ycck : _adobeTransform == 0 ? JpegColorTransform.Cmyk
                    : throw Error($"unsupported JPEG: Adobe transform {_adobeTransform} for 4 components");
            default:
                throw Error($"unsupported JPEG: {_components.Length} colour components");
        }
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> seg, bool progressive)
    {
        if (_frameSeen) throw Error("corrupt JPEG: more than one frame header (SOF)");
        if (seg.Length < 6) throw Error("corrupt JPEG: SOF segment too short");
        int precision = seg[0];
        int height = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]);
        int width = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
        int n = seg[5];
        if (precision != 8) throw Error($"unsupported JPEG: {precision}-bit samples (only 8-bit is supported)");
        if (height == 0) throw Error("unsupported JPEG: height 0 in the frame header (DNL-defined height)");
        if (n == 0) throw Error("corrupt JPEG: frame has no components");
        if (n > MaxComponents) throw Error($"corrupt JPEG: {n} components (at most {MaxComponents} supported)");
        if (n == 2) throw Error("unsupported JPEG: 2 colour components");
        if (seg.Length < 6 + 3 * n) throw Error("corrupt JPEG: SOF segment shorter than its component list");
        Image8.Validate(width, height, n == 1 ? 1 : 3, _source);

        var comps = new JpegComponent[n];
        for (int i = 0; i < n; i++)
        {
            var c = seg.Slice(6 + 3 * i, 3);
            int h = c[1] >> 4, v = c[1] & 15;
            if (h is < 1 or > 4 || v is < 1 or > 4) throw Error($"corrupt JPEG: component {i} has invalid sampling factors {h}x{v}");
            if (c[2] > 3) throw Error($"corrupt JPEG: component {i} uses quantisation table {c[2]} (0..3 allowed)");
            for (int j = 0; j < i; j++)
                if (comps[j].Id == c[0]) throw Error($"corrupt JPEG: duplicate component id {c[0]}");
            comps[i] = new JpegComponent { Id = c[0], H = h, V = v, QuantTableId = c[2] };
        }
        _hMax = comps.Max(c => c.H);
        _vMax = comps.Max(c => c.V);
        foreach (var c in comps)
            if (_hMax % c.H != 0 || _vMax % c.V != 0)
                throw Error($"unsupported JPEG: non-integral sampling ratio (component sampling {c.H}x{c.V}, maximum {_hMax}x{_vMax})");
        _width = width; _height = height;
        _mcusPerLine = (width + 8 * _hMax - 1) / (8 * _hMax);
        _mcusPerColumn = (height + 8 * _vMax - 1) / (8 * _vMax);
        foreach (var c in comps)
        {
            c.Width = (int)(((long)width * c.H + _hMax - 1) / _hMax);
            c.Height = (int)(((long)height * c.V + _vMax - 1) / _vMax);
            c.WidthInBlocks = (c.Width + 7) / 8;
            c.HeightInBlocks = (c.Height + 7) / 8;
            c.BlocksPerLine = _mcusPerLine * c.H;
            c.BlocksPerColumn = _mcusPerColumn * c.V;
        }
        // Sizes are bounded by Image8.MaxPixels (checked above) times at most 16/1 sampling padding per component.
        long totalBlocks = comps.Sum(c => (long)c.BlocksPerLine * c.BlocksPerColumn);
        if (totalBlocks > MaxBlocksPerFileByte * (long)_data.Length + 4096)
            throw Error($"corrupt JPEG: a {width}x{height} frame cannot be coded in {_data.Length} bytes");
        _components = comps; // before renting, so that Decode returns whatever was rented
        foreach (var c in comps)
        {
            long samples = (long)c.BlocksPerLine * c.BlocksPerColumn * 64;
            int count = checked((int)samples);
            c.Plane = count <= PoolLimit ? ArrayPool<byte>.Shared.Rent(count) : GC.AllocateUninitializedArray<byte>(count);
            if (progressive)
            {
                c.Coefficients = count <= PoolLimit ? ArrayPool<short>.Shared.Rent(count) : new short[count];
                Array.Clear(c.Coefficients, 0, count);
            }
        }
        _progressive = progressive;
        _frameSeen = true;
    }

    private void ReadQuantTables(ReadOnlySpan<byte> seg)
    {
        var zz = JpegTables.ZigZagToNatural;
        while (seg.Length > 0)
        {
            int pq = seg[0] >> 4, tq = seg[0] & 15;
            if (pq > 1) throw Error($"corrupt JPEG: quantisation table precision {pq}");
            if (tq > 3) throw Error($"corrupt JPEG: quantisation table id {tq} (0..3 allowed)");
            int size = 1 + 64 * (pq + 1);
            if (seg.Length < size) throw Error("corrupt JPEG: DQT segment too short");
            var table = new int[64];
            for (int k = 0; k < 64; k++)
                table[zz[k]] = pq == 0 ? seg[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(seg[(1 + 2 * k)..]);
            _quant[tq] = table;
            seg = seg[size..];
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> seg)
    {
        while (seg.Length > 0)
        {
            if (seg.Length < 17) throw Error("corrupt JPEG: DHT segment too short");
            int tc = seg[0] >> 4, th = seg[0] & 15;
            if (tc > 1 || th > 3) throw Error($"corrupt JPEG: Huffman table class {tc} id {th}");
            var counts = seg.Slice(1, 16);
            int total = 0;
            foreach (var c in counts) total += c;
            if (total > 256) throw Error("corrupt JPEG: Huffman table with more than 256 symbols");
            if (seg.Length < 17 + total) throw Error("corrupt JPEG: DHT segment shorter than its symbol list");
            var table = new JpegHuffmanTable();
            table.Build(counts, seg.Slice(17, total), _source);
            (tc == 0 ? _dcTables : _acTables)[th] = table;
            seg = seg[(17 + total)..];
        }
    }

    private JpegHuffmanTable GetTable(bool dc, int id)
    {
        var tables = dc ? _dcTables : _acTables;
        if (tables[id] is { } t) return t;
        // Motion-JPEG frames omit DHT and rely on the standard tables (T.81 K.3), as libjpeg does.
        var std = new JpegHuffmanTable();
        if (dc) std.Build(id == 0 ? JpegTables.DcLuminanceCounts : JpegTables.DcChrominanceCounts, id == 0 ? JpegTables.DcLuminanceValues : JpegTables.DcChrominanceValues, _source);
        else std.Build(id == 0 ? JpegTables.AcLuminanceCounts : JpegTables.AcChrominanceCounts, id == 0 ? JpegTables.AcLuminanceValues : JpegTables.AcChrominanceValues, _source);
        return tables[id] = std;
    }

    /// <summary>Decodes one scan whose header is <paramref name="seg"/> and whose data starts at <paramref name="dataStart"/>; returns where the next marker search starts.</summary>
    private int DecodeScan(ReadOnlySpan<byte> seg, int dataStart)
    {
        if (!_frameSeen) throw Error("corrupt JPEG: scan (SOS) before the frame header (SOF)");
        if (_scansDecoded >= MaxScans) throw Error($"corrupt JPEG: more than {MaxScans} scans");
        if (seg.Length < 1) throw Error("corrupt JPEG: SOS segment too short");
        int n = seg[0];
        if (n < 1 || n > _components.Length) throw Error($"corrupt JPEG: scan has {n} components (frame has {_components.Length})");
        if (seg.Length < 4 + 2 * n) throw Error("corrupt JPEG: SOS segment shorter than its component list");
        var comps = new JpegComponent[n];
        int blocksPerMcu = 0;
        for (int i = 0; i < n; i++)
        {
            int id = seg[1 + 2 * i], tables = seg[2 + 2 * i];
            var c = Array.Find(_components, x => x.Id == id) ?? throw Error($"corrupt JPEG: scan refers to unknown component id {id}");
            if (Array.IndexOf(comps, c) >= 0) throw Error($"corrupt JPEG: component id {id} appears twice in a scan");
            int td = tables >> 4, ta = tables & 15;
            if (td > 3 || ta > 3) throw Error($"corrupt JPEG: Huffman table selector {td}/{ta} (0..3 allowed)");
            comps[i] = c;
            blocksPerMcu += c.H * c.V;
            c.DcTableId = td; c.AcTableId = ta;
        }
        if (n > 1 && blocksPerMcu > MaxBlocksPerMcu) throw Error($"corrupt JPEG: {blocksPerMcu} blocks per MCU (at most {MaxBlocksPerMcu})");
        int ss = seg[1 + 2 * n], se = seg[2 + 2 * n], ah = seg[3 + 2 * n] >> 4, al = seg[3 + 2 * n] & 15;
        // Sequential scans ignore Ss/Se/Ah/Al (libjpeg only warns when they are not 0/63/0/0).
        if (_progressive)
        {
            bool ok = ss <= se && se <= 63 && ah <= 13 && al <= 13 && (ss == 0 ? se == 0 : n == 1);
            if (!ok) throw Error($"corrupt JPEG: invalid progressive scan parameters Ss={ss} Se={se} Ah={ah} Al={al}");
        }
        foreach (var c in comps)
        {
            if (c.Quant == null)
            {
                var q = _quant[c.QuantTableId] ?? throw Error($"corrupt JPEG: quantisation table {c.QuantTableId} is not defined");
                c.Quant = (int[])q.Clone();
            }
            bool needDc = !_progressive || (ss == 0 && ah == 0);
            bool needAc = !_progressive || ss > 0;
            c.DcTable = needDc ? GetTable(true, c.DcTableId) : null;
            c.AcTable = needAc ? GetTable(false, c.AcTableId) : null;
            c.DcPredictor = 0;
        }
        var reader = new JpegBitReader(_data, dataStart);
        var scan = new JpegScanDecoder(_source, _restartInterval);
        if (!_progressive) scan.DecodeSequential(ref reader, comps, _mcusPerLine, _mcusPerColumn);
        else scan.DecodeProgressive(ref reader, comps, _mcusPerLine, _mcusPerColumn, ss, se, ah, al);
        return reader.Position;
    }

    private void InverseTransformAll()
    {
        foreach (var c in _components)
        {
            var coef = c.Coefficients!;
            if (c.Quant == null) { Array.Fill(c.Plane, (byte)128); continue; } // component never appeared in a scan
            int stride = c.Stride;
            for (int by = 0; by < c.BlocksPerColumn; by++)
                for (int bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    int b = (by * c.BlocksPerLine + bx) * 64;
                    JpegIdct.Transform(coef.AsSpan(b, 64), c.Quant, c.Plane, by * 8 * stride + bx * 8, stride);
                }
        }
    }
}
