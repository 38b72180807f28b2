using System.Numerics;
using DenseFace.FaceModel;

namespace DenseFace.Tests.FaceModel;

public class TopologyTests
{
    static MorphableModel M => ModelFixture.Model;

    [Fact]
    public void TriangulationCoversEveryPolygon()
    {
        int expected = 0;
        for (int p = 0; p < M.PolygonCount; p++)
        {
            int o = M.PolygonOffsets[p], n = M.PolygonOffsets[p + 1] - o;
            expected += n - 2;
            var corners = M.PolygonVertices.Slice(o, n).ToArray();
            var uvCorners = M.PolygonUvIndices.Slice(o, n).ToArray();
            int t0 = M.PolygonFirstTriangle[p], t1 = M.PolygonFirstTriangle[p + 1];
            Assert.Equal(n - 2, t1 - t0);
            var used = new HashSet<int>();
            for (int t = t0; t < t1; t++)
                for (int c = 0; c < 3; c++)
                {
                    int v = M.Triangles[3 * t + c];
                    int at = Array.IndexOf(corners, v);
                    Assert.True(at >= 0, $"triangle {t} uses vertex {v} not in polygon {p}");
                    Assert.Equal(uvCorners[at], M.TriangleUvIndices[3 * t + c]);
                    used.Add(v);
                }
            Assert.Equal(corners.Distinct().Count(), used.Count);
        }
        Assert.Equal(expected, M.TriangleCount);
        Assert.Equal(548 + 2 * 25836, M.TriangleCount); // the OBJ holds 548 triangles and 25,836 quads
    }

    [Fact]
    public void WindingFacesOutward()
    {
        var mesh = M.ToMesh(M.NeutralPositions.ToArray(), includeUvs: false);
        var normals = mesh.ComputeVertexNormals();
        var lm = M.LandmarkVertices68;
        Assert.True(normals[lm[30]].Z > 0.7f, $"nose tip normal {normals[lm[30]]}"); // nose tip faces +z
        Assert.True(normals[lm[0]].X < -0.3f, $"right jaw normal {normals[lm[0]]}");  // subject's right cheek faces -x
        Assert.True(normals[lm[16]].X > 0.3f, $"left jaw normal {normals[lm[16]]}");
    }

    [Fact]
    public void PartsPartitionVerticesAndPolygons()
    {
        int v = 0, p = 0;
        foreach (var part in FaceParts.All)
        {
            Assert.Equal(v, M.VertexRange(part).Start);
            Assert.Equal(p, M.PolygonRange(part).Start);
            v = M.VertexRange(part).End; p = M.PolygonRange(part).End;
            Assert.Equal(part, M.PartOfVertex(M.VertexRange(part).Start));
            Assert.Equal(part, M.PartOfVertex(M.VertexRange(part).End - 1));
            Assert.Equal(part, FaceParts.PartOfPolygon(M.PolygonRange(part).Start));
        }
        Assert.Equal(26719, v);
        Assert.Equal(26384, p);
        Assert.Equal(17, FaceParts.All.Count);
        int t = 0;
        foreach (var part in FaceParts.All) { Assert.Equal(t, M.TriangleRange(part).Start); t = M.TriangleRange(part).End; }
        Assert.Equal(M.TriangleCount, t);
        Assert.Throws<InvalidInputException>(() => M.PartOfVertex(26719));
    }

    [Fact]
    public void PartsMatchTheObjMaterialBlocks()
    {
        // The OBJ has no g/o groups but one usemtl block per geometry (eyes split into sclera/iris, and the
        // left/right pairs of lacrimal fluid, eye blend, occlusion and lashes share a block).
        var mats = M.Materials.ToDictionary(m => m.Name, m => m.Polygons);
        Assert.Equal(12, mats.Count);
        Assert.Equal(M.PolygonRange(FacePart.Face), mats["M_Face"]);
        Assert.Equal(M.PolygonRange(FacePart.HeadAndNeck).Start, mats["M_BackHead"].Start);
        Assert.Equal(M.PolygonRange(FacePart.EyeSocketRight).End, mats["M_BackHead"].End); // head, mouth socket, eye sockets
        Assert.Equal(M.PolygonRange(FacePart.GumsAndTongue), mats["M_GumsTongue"]);
        Assert.Equal(M.PolygonRange(FacePart.Teeth), mats["M_Teeth"]);
        Assert.Equal(FaceParts.Polygons(FaceSubArea.ScleraLeft), mats["M_ScleraLeft"]);
        Assert.Equal(FaceParts.Polygons(FaceSubArea.IrisLeft), mats["M_IrisLeft"]);
        Assert.Equal(FaceParts.Polygons(FaceSubArea.ScleraRight), mats["M_ScleraRight"]);
        Assert.Equal(FaceParts.Polygons(FaceSubArea.IrisRight), mats["M_IrisRight"]);
        Assert.Equal(M.PolygonRange(FacePart.LacrimalFluidLeft).Start, mats["M_LacrimalFluid"].Start);
        Assert.Equal(M.PolygonRange(FacePart.LacrimalFluidRight).End, mats["M_LacrimalFluid"].End);
        Assert.Equal(M.PolygonRange(FacePart.EyelashesRight).End, mats["M_EyeLashes"].End);
        // Each part's polygons use only that part's vertices, except that head/neck, mouth socket and eye
        // sockets (the M_BackHead block) also reuse the face's border vertices.
        var sharesFace = new[] { FacePart.HeadAndNeck, FacePart.MouthSocket, FacePart.EyeSocketLeft, FacePart.EyeSocketRight };
        var face = M.VertexRange(FacePart.Face);
        foreach (var part in FaceParts.All)
        {
            var pr = M.PolygonRange(part); var vr = M.VertexRange(part);
            for (int i = M.PolygonOffsets[pr.Start]; i < M.PolygonOffsets[pr.End]; i++)
            {
                int v = M.PolygonVertices[i];
                Assert.True(vr.Contains(v) || (sharesFace.Contains(part) && face.Contains(v)), $"{part} polygon corner uses vertex {v}");
            }
        }
    }

    [Fact]
    public void SubAreasAndTeethNestInParts()
    {
        var face = FaceParts.Vertices(FacePart.Face);
        Assert.Equal(6706, FaceParts.Vertices(FaceSubArea.NarrowFace).Count);
        Assert.Equal(face, FaceParts.Vertices(FaceSubArea.FullFace));
        Assert.Equal(FaceParts.Vertices(FacePart.EyeballLeft).Count,
            FaceParts.Vertices(FaceSubArea.ScleraLeft).Count + FaceParts.Vertices(FaceSubArea.IrisLeft).Count);
        Assert.Equal(32, FaceParts.Teeth.Count);
        int v = FaceParts.Vertices(FacePart.Teeth).Start, p = FaceParts.Polygons(FacePart.Teeth).Start;
        foreach (var tooth in FaceParts.Teeth)
        {
            Assert.Equal(v, tooth.Vertices.Start); Assert.Equal(p, tooth.Polygons.Start);
            v = tooth.Vertices.End; p = tooth.Polygons.End;
        }
        Assert.Equal(FaceParts.Vertices(FacePart.Teeth).End, v);
        Assert.Equal(FaceParts.Vertices(FaceSubArea.TeethLower).End, v);
        Assert.Equal(FaceParts.Vertices(FaceSubArea.TeethUpper).End, FaceParts.Vertices(FaceSubArea.TeethLower).Start);
        // Every Multi-PIE landmark lies on the narrow face.
        foreach (var l in M.LandmarkVertices68) Assert.True(FaceParts.Vertices(FaceSubArea.NarrowFace).Contains(l));
    }

    [Fact]
    public void UvsUseOneUdimTilePerMaterial()
    {
        foreach (var uv in M.Uvs) { Assert.InRange(uv.Y, 0f, 1f); Assert.InRange(uv.X, 0f, 7f); }
        // The face (what texture extraction uses) lies in tile 0: u, v in [0, 1].
        var fr = M.PolygonRange(FacePart.Face);
        for (int i = M.PolygonOffsets[fr.Start]; i < M.PolygonOffsets[fr.End]; i++)
            Assert.InRange(M.Uvs[M.PolygonUvIndices[i]].X, 0f, 1f);
        foreach (var mat in M.Materials)
        {
            var tiles = new HashSet<int>();
            for (int i = M.PolygonOffsets[mat.Polygons.Start]; i < M.PolygonOffsets[mat.Polygons.End]; i++)
                tiles.Add((int)M.Uvs[M.PolygonUvIndices[i]].X);
            Assert.True(tiles.Count <= 2, $"{mat.Name} spans tiles {string.Join(",", tiles)}");
        }
    }

    [Fact]
    public void ToMeshWithPartsCompactsVertices()
    {
        var pos = M.NeutralPositions.ToArray();
        var all = M.ToMesh(pos);
        Assert.Equal(M.VertexCount, all.Positions.Length);
        Assert.Equal(M.TriangleCount, all.TriangleCount);
        Assert.NotNull(all.Uvs);
        Assert.Equal(all.Triangles.Length, all.UvTriangles!.Length);

        var face = M.ToMesh(pos, includeUvs: true, parts: [FacePart.Face], includeExpressionMorphTargets: true);
        Assert.Equal(M.TriangleRange(FacePart.Face).Count, face.TriangleCount);
        Assert.Equal(9409, face.Positions.Length); // the face polygons use exactly vertices 0..9408
        Assert.Equal(53, face.MorphTargets.Count);
        Assert.Equal("browDown_L", face.MorphTargets[0].Name);
        Assert.Equal(face.Positions.Length, face.MorphTargets[26].Deltas.Length);
        Assert.Equal(M.ExpressionDeltas(26)[..9409], face.MorphTargets[26].Deltas);
        for (int i = 0; i < face.Triangles.Length; i++)
        {
            Assert.Equal(pos[M.Triangles[i]], face.Positions[face.Triangles[i]]);
            Assert.Equal(M.Uvs[M.TriangleUvIndices[i]], face.Uvs![face.UvTriangles![i]]);
        }
        var eyes = M.ToMesh(pos, includeUvs: false, parts: [FacePart.EyeballRight, FacePart.EyeballLeft]);
        Assert.Equal(2 * 1570, eyes.Positions.Length);
        Assert.Null(eyes.Uvs);
        Assert.Throws<InvalidInputException>(() => M.ToMesh(new Vector3[10]));
    }

    [Fact]
    public void InfoSummarises()
    {
        var info = M.Info();
        Assert.Equal(26719, info.Vertices);
        Assert.Equal(26384, info.Polygons);
        Assert.Equal(M.TriangleCount, info.Triangles);
        Assert.Equal(100, info.IdentityModes);
        Assert.Equal(53, info.Expressions);
        Assert.Equal("cm", info.Units);
        Assert.Equal(17, info.Parts.Count);
        Assert.Equal(26719, info.Parts.Sum(p => p.Vertices.Count));
        Assert.Equal(info.Triangles, info.Parts.Sum(p => p.Triangles.Count));
    }
}
