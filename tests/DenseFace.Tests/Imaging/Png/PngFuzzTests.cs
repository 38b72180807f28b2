using DenseFace.Imaging;
using DenseFace.Imaging.Png;

namespace DenseFace.Tests.Imaging.Png;

public class PngFuzzTests
{
    private static List<(string, byte[])> SmallSeeds()
    {
        var rng = new Random(42);
        Image8 Img(int w, int h, int c) { var i = new Image8(w, h, c); rng.NextBytes(i.Pixels); return i; }
        int[] Samples(int n, int max) => Enumerable.Range(0, n).Select(_ => rng.Next(max + 1)).ToArray();
        var pal = new byte[16 * 3];
        rng.NextBytes(pal);
        return
        [
            ("gray1x1", PngEncoder.Encode(Img(1, 1, 1))),
            ("rgb37x23", PngEncoder.Encode(Img(37, 23, 3))),
            ("rgba16x9", PngEncoder.Encode(Img(16, 9, 4), 9)),
            ("palette4-trns-interlaced", ReferencePngWriter.Write(13, 11, 3, 4, true, Samples(143, 15), pal, [0, 128, 255, 7], idatSplit: 50)),
            ("rgba16-interlaced", ReferencePngWriter.Write(9, 10, 6, 16, true, Samples(9 * 10 * 4, 65535))),
            ("gray1", ReferencePngWriter.Write(21, 5, 0, 1, false, Samples(105, 1))),
            ("gray2-key", ReferencePngWriter.Write(10, 6, 0, 2, true, Samples(60, 3), trns: [0, 2])),
            ("grayalpha16", ReferencePngWriter.Write(7, 7, 4, 16, false, Samples(98, 65535))),
            ("rgb8-key", ReferencePngWriter.Write(8, 8, 2, 8, false, Samples(192, 255), trns: [0, 1, 0, 2, 0, 3])),
        ];
    }

    private static Image8 Decode(byte[] d, string n) => PngDecoder.Decode(d, n);

    [Fact]
    public void MutatedPngsDecodeOrFailCleanly()
    {
        var s = MutationFuzz.Run(SmallSeeds(), Decode, 3000, seed: 1);
        Assert.True(s.Decoded > 0 && s.Rejected > 0, $"{s}");
    }

    [Fact]
    public void MutatedPngsWithRepairedCrcsDecodeOrFailCleanly()
    {
        // Recomputing the CRCs lets mutations reach the header checks, the inflater and the unfiltering.
        var s = MutationFuzz.Run(SmallSeeds(), (d, n) => PngDecoder.Decode(ReferencePngWriter.FixCrcs(d), n), 4000, seed: 2);
        // Most mutations break the deflate stream; some must still survive to exercise the pixel paths.
        Assert.True(s.Decoded > 20 && s.Rejected > 100, $"{s}");
    }

    [Fact]
    public void MutatedRealPngsDecodeOrFailCleanly()
    {
        var seeds = new[] { "indoor_020.png", "indoor_029.png" }
            .Select(n => (n, File.ReadAllBytes(TestData.Path("data", "formats", "mmpose", "300w", n)))).ToList();
        MutationFuzz.Run(seeds, (d, n) => PngDecoder.Decode(ReferencePngWriter.FixCrcs(d), n), 120, seed: 3);
        MutationFuzz.Run(seeds, Decode, 60, seed: 4);
    }
}
