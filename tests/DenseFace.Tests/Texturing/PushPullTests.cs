using System.Numerics;
using DenseFace.Rendering;

namespace DenseFace.Tests.Texturing;

public class PushPullTests
{
    [Theory]
    [InlineData(64, 64)]
    [InlineData(37, 21)]
    [InlineData(1, 9)]
    public void KeepsFullWeightsAndFillsHolesFromTheSurroundings(int width, int height)
    {
        var color = new Vector3[width * height]; var weight = new float[color.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                color[i] = new Vector3(0.2f + 0.5f * x / width, 0.3f, 0.6f);
                bool hole = Math.Abs(x - width / 2) < width / 5 && Math.Abs(y - height / 2) < height / 5;
                weight[i] = hole ? 0 : 1;
                if (hole) color[i] = new Vector3(9);   // must not leak into the result
            }
        var filled = PushPull.Fill(color, weight, width, height);
        for (int i = 0; i < filled.Length; i++)
        {
            if (weight[i] == 1) Assert.Equal(color[i], filled[i]);
            else
            {
                // a hole is interpolated from its neighbours: inside the range of the gradient, close to the local value
                float expected = 0.2f + 0.5f * (i % width) / width;
                Assert.InRange(filled[i].X, expected - 0.15f, expected + 0.15f);
                Assert.InRange(filled[i].Y, 0.299f, 0.301f);
            }
        }
    }

    [Fact]
    public void AllHolesGiveMidGray()
    {
        var filled = PushPull.Fill(new Vector3[12], new float[12], 4, 3);
        Assert.All(filled, c => Assert.Equal(new Vector3(0.5f), c));
    }
}
