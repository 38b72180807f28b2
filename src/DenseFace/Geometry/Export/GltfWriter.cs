using DenseFace.IO;
using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;

namespace DenseFace.Geometry.Export;

/// <summary>
/// Writes a <see cref="TriangleMesh"/> as a glTF 2.0 binary file (.glb): one node, one mesh, one triangle
/// primitive with POSITION (with min/max), optional NORMAL and TEXCOORD_0, UNSIGNED_INT indices, one PBR
/// material (optionally with an embedded PNG baseColorTexture) and every <see cref="TriangleMesh.MorphTargets"/>
/// entry as a morph target with POSITION deltas; target names go to <c>mesh.extras.targetNames</c> (read by
/// three.js and Blender) and current weights to <c>mesh.weights</c>.
/// <para>
/// Conventions: positions and deltas are multiplied by <see cref="GltfOptions.Scale"/> (cm to m by default);
/// axes are written unchanged, so the input is assumed to be glTF-like already: right-handed, +Y up, +Z out of
/// the face toward the viewer, +X to the subject's left (the ICT-FaceKit OBJ frame). Triangles keep their
/// counter-clockwise winding (glTF front faces are CCW). Texture v is flipped (glTF UV origin is the top-left
/// of the image: v_gltf = 1 - v_obj). Vertices are split on UV seams (see <see cref="UvSeamSplit"/>): glTF
/// vertex i is mesh vertex i for i &lt; Positions.Length, seam copies follow and carry the same normals and
/// morph deltas as their source vertex.
/// </para>
/// </summary>
public static class GltfWriter
{
    const uint GlbMagic = 0x46546C67, ChunkJson = 0x4E4F534A, ChunkBin = 0x004E4942;
    const int ArrayBuffer = 34962, ElementArrayBuffer = 34963, ComponentFloat = 5126, ComponentUInt = 5125, ComponentUShort = 5123;
    const int TrianglesMode = 4;
    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes <paramref name="mesh"/> as .glb to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The mesh or options are inconsistent, or the file would exceed the GLB size limit.</exception>
    public static void WriteGlb(string path, TriangleMesh mesh, GltfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var plan = Plan.Create(mesh, options ?? new GltfOptions());
        AtomicFile.Write(path, plan.Emit);
    }

    /// <summary>Writes the .glb bytes to <paramref name="stream"/> (left open).</summary>
    public static void WriteGlb(Stream stream, TriangleMesh mesh, GltfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Plan.Create(mesh, options ?? new GltfOptions()).Emit(stream);
    }

    /// <summary>Everything known before the first byte is written: split, attribute arrays, bounds, buffer layout and JSON.</summary>
    sealed class Plan
    {
        TriangleMesh _mesh = null!;
        GltfOptions _o = null!;
        UvSeamSplit _split = null!;
        Vector3[] _positions = null!;
        Vector3[]? _normals;
        Vector2[]? _uvs;
        byte[] _json = null!;
        long _binLength;
        /// <summary>Per morph target: null = stored dense, else the output vertices with a non-zero delta (sparse accessor).</summary>
        int[]?[] _sparse = null!;
        bool ShortSparseIndices => _split.VertexCount <= ushort.MaxValue;

        public static Plan Create(TriangleMesh mesh, GltfOptions o)
        {
            MeshExportChecks.Validate(mesh, nameof(mesh));
            if (mesh.TriangleCount == 0) throw new InvalidInputException(nameof(mesh), "mesh has no triangles (glTF needs at least one index)");
            if (!float.IsFinite(o.Scale) || o.Scale <= 0)
                throw new InvalidInputException(nameof(GltfOptions.Scale), $"scale {o.Scale} must be positive and finite");
            if (!float.IsFinite(o.Roughness) || o.Roughness is < 0 or > 1)
                throw new InvalidInputException(nameof(GltfOptions.Roughness), $"roughness {o.Roughness} is outside [0, 1]");
            var bc = o.BaseColorFactor;
            foreach (var c in new[] { bc.X, bc.Y, bc.Z, bc.W })
                if (!float.IsFinite(c) || c is < 0 or > 1)
                    throw new InvalidInputException(nameof(GltfOptions.BaseColorFactor), $"component {c} is outside [0, 1]");
            if (o.MorphWeights is { } w)
            {
                if (w.Count != mesh.MorphTargets.Count)
                    throw new InvalidInputException(nameof(GltfOptions.MorphWeights), $"{w.Count} weights for {mesh.MorphTargets.Count} morph targets");
                foreach (var x in w)
                    if (!float.IsFinite(x)) throw new InvalidInputException(nameof(GltfOptions.MorphWeights), $"weight {x} is not finite");
            }
            if (o.BaseColorTexturePng is { } png)
            {
                if (png.Length < PngSignature.Length || !png.AsSpan(0, PngSignature.Length).SequenceEqual(PngSignature))
                    throw new InvalidInputException(nameof(GltfOptions.BaseColorTexturePng), "bytes are not a PNG file (bad signature)");
                if (mesh.Uvs is null)
                    throw new InvalidInputException(nameof(GltfOptions.BaseColorTexturePng), "a texture needs UVs, and the mesh has none");
            }

            var p = new Plan { _mesh = mesh, _o = o, _split = UvSeamSplit.Build(mesh) };
            int m = p._split.VertexCount;
            p._sparse = new int[]?[mesh.MorphTargets.Count];
            if (o.SparseMorphTargets)
                for (int t = 0; t < mesh.MorphTargets.Count; t++) p._sparse[t] = p.SparseIndices(mesh.MorphTargets[t].Deltas);
            // Size check before allocating the attribute arrays: everything must fit one GLB (uint32 length).
            long bin = m * 12L + (o.IncludeNormals ? m * 12L : 0) + (mesh.Uvs is not null ? m * 8L : 0)
                       + mesh.Triangles.Length * 4L + Align4(o.BaseColorTexturePng?.Length ?? 0);
            for (int t = 0; t < mesh.MorphTargets.Count; t++) bin += p.TargetBytes(t);
            if (bin > int.MaxValue - (1 << 24))
                throw new InvalidInputException(nameof(mesh), $"glTF binary chunk would be {bin} bytes, over the 2 GiB limit");

            var src = p._split.SourceVertex;
            p._positions = new Vector3[m];
            for (int i = 0; i < m; i++) p._positions[i] = mesh.Positions[src[i]] * o.Scale;
            if (o.IncludeNormals)
            {
                var n = mesh.ComputeVertexNormals();
                p._normals = new Vector3[m];
                // glTF requires unit normals: isolated or degenerate-only vertices get +Z.
                for (int i = 0; i < m; i++) p._normals[i] = n[src[i]] == Vector3.Zero ? Vector3.UnitZ : n[src[i]];
            }
            if (mesh.Uvs is { } uvs)
            {
                p._uvs = new Vector2[m];
                var su = p._split.SourceUv;
                for (int i = 0; i < m; i++) p._uvs[i] = su[i] < 0 ? Vector2.Zero : new Vector2(uvs[su[i]].X, 1f - uvs[su[i]].Y);
            }
            p._json = p.BuildJson(out p._binLength);
            return p;
        }

        static long Align4(long n) => (n + 3) & ~3L;

        Vector3 Delta(Vector3[] deltas, int i) => deltas[_split.SourceVertex[i]] * _o.Scale;

        /// <summary>The output vertices whose scaled delta is non-zero, when storing only those is smaller than dense storage; else null.</summary>
        int[]? SparseIndices(Vector3[] deltas)
        {
            int m = _split.VertexCount, nonZero = 0;
            for (int i = 0; i < m; i++) if (Delta(deltas, i) != Vector3.Zero) nonZero++;
            if (SparseBytes(nonZero) >= m * 12L) return null;
            var idx = new int[nonZero];
            for (int i = 0, k = 0; i < m; i++) if (Delta(deltas, i) != Vector3.Zero) idx[k++] = i;
            return idx;
        }

        long SparseBytes(int nonZero) => Align4((long)nonZero * (ShortSparseIndices ? 2 : 4)) + nonZero * 12L;

        long TargetBytes(int t) => _sparse[t] is { } idx ? SparseBytes(idx.Length) : _split.VertexCount * 12L;

        byte[] BuildJson(out long binLength)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var j = new Utf8JsonWriter(buffer))
            {
                int m = _split.VertexCount;
                var targets = _mesh.MorphTargets;
                var views = new List<(long Offset, long Length, int? Target)>();
                long offset = 0;
                int AddView(long length, int? target) { views.Add((offset, length, target)); offset += Align4(length); return views.Count - 1; }

                j.WriteStartObject();
                j.WriteStartObject("asset"); j.WriteString("version", "2.0"); j.WriteString("generator", "DenseFace"); j.WriteEndObject();
                j.WriteNumber("scene", 0);
                j.WriteStartArray("scenes"); j.WriteStartObject(); j.WriteStartArray("nodes"); j.WriteNumberValue(0); j.WriteEndArray(); j.WriteEndObject(); j.WriteEndArray();
                j.WriteStartArray("nodes"); j.WriteStartObject(); j.WriteString("name", _o.MeshName); j.WriteNumber("mesh", 0); j.WriteEndObject(); j.WriteEndArray();

                // Accessors (each in its own tightly packed bufferView, in BIN order).
                j.WriteStartArray("accessors");
                int accessor = 0;
                int posAcc = accessor++; WriteVec3Accessor(j, AddView(m * 12L, ArrayBuffer), m, _positions);
                int nrmAcc = -1, uvAcc = -1;
                if (_normals is not null) { nrmAcc = accessor++; WriteAccessor(j, AddView(m * 12L, ArrayBuffer), m, ComponentFloat, "VEC3"); j.WriteEndObject(); }
                if (_uvs is not null) { uvAcc = accessor++; WriteAccessor(j, AddView(m * 8L, ArrayBuffer), m, ComponentFloat, "VEC2"); j.WriteEndObject(); }
                var targetAcc = new int[targets.Count];
                var deltaBuf = new Vector3[m];
                for (int t = 0; t < targets.Count; t++)
                {
                    targetAcc[t] = accessor++;
                    for (int i = 0; i < m; i++) deltaBuf[i] = Delta(targets[t].Deltas, i);
                    if (_sparse[t] is not { } sparse) { WriteVec3Accessor(j, AddView(m * 12L, ArrayBuffer), m, deltaBuf); continue; }
                    // Sparse: no bufferView (zeros) overridden at the listed vertices; views for sparse data have no target.
                    WriteVec3Accessor(j, null, m, deltaBuf, endObject: false);
                    if (sparse.Length > 0)
                    {
                        int indexView = AddView(sparse.Length * (ShortSparseIndices ? 2L : 4L), null);
                        int valueView = AddView(sparse.Length * 12L, null);
                        j.WriteStartObject("sparse");
                        j.WriteNumber("count", sparse.Length);
                        j.WriteStartObject("indices"); j.WriteNumber("bufferView", indexView); j.WriteNumber("componentType", ShortSparseIndices ? ComponentUShort : ComponentUInt); j.WriteEndObject();
                        j.WriteStartObject("values"); j.WriteNumber("bufferView", valueView); j.WriteEndObject();
                        j.WriteEndObject();
                    }
                    j.WriteEndObject();
                }
                int idxAcc = accessor++;
                WriteAccessor(j, AddView(_split.Indices.Length * 4L, ElementArrayBuffer), _split.Indices.Length, ComponentUInt, "SCALAR");
                j.WriteStartArray("min"); j.WriteNumberValue(_split.Indices.Min()); j.WriteEndArray();
                j.WriteStartArray("max"); j.WriteNumberValue(_split.Indices.Max()); j.WriteEndArray();
                j.WriteEndObject();
                j.WriteEndArray();

                int imageView = _o.BaseColorTexturePng is { } png ? AddView(png.Length, null) : -1;
                binLength = offset;

                j.WriteStartArray("bufferViews");
                foreach (var (o, len, target) in views)
                {
                    j.WriteStartObject();
                    j.WriteNumber("buffer", 0); j.WriteNumber("byteOffset", o); j.WriteNumber("byteLength", len);
                    if (target is int tg) j.WriteNumber("target", tg);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteStartArray("buffers"); j.WriteStartObject(); j.WriteNumber("byteLength", binLength); j.WriteEndObject(); j.WriteEndArray();

                j.WriteStartArray("materials"); j.WriteStartObject();
                j.WriteString("name", _o.MeshName);
                j.WriteStartObject("pbrMetallicRoughness");
                j.WriteStartArray("baseColorFactor");
                foreach (var c in new[] { _o.BaseColorFactor.X, _o.BaseColorFactor.Y, _o.BaseColorFactor.Z, _o.BaseColorFactor.W }) j.WriteNumberValue(c);
                j.WriteEndArray();
                if (imageView >= 0) { j.WriteStartObject("baseColorTexture"); j.WriteNumber("index", 0); j.WriteEndObject(); }
                j.WriteNumber("metallicFactor", 0); j.WriteNumber("roughnessFactor", _o.Roughness);
                j.WriteEndObject();
                j.WriteEndObject(); j.WriteEndArray();
                if (imageView >= 0)
                {
                    j.WriteStartArray("images"); j.WriteStartObject(); j.WriteNumber("bufferView", imageView); j.WriteString("mimeType", "image/png"); j.WriteEndObject(); j.WriteEndArray();
                    j.WriteStartArray("samplers"); j.WriteStartObject();
                    j.WriteNumber("magFilter", 9729); j.WriteNumber("minFilter", 9987); j.WriteNumber("wrapS", 33071); j.WriteNumber("wrapT", 33071);
                    j.WriteEndObject(); j.WriteEndArray();
                    j.WriteStartArray("textures"); j.WriteStartObject(); j.WriteNumber("sampler", 0); j.WriteNumber("source", 0); j.WriteEndObject(); j.WriteEndArray();
                }

                j.WriteStartArray("meshes"); j.WriteStartObject();
                j.WriteString("name", _o.MeshName);
                j.WriteStartArray("primitives"); j.WriteStartObject();
                j.WriteStartObject("attributes");
                j.WriteNumber("POSITION", posAcc);
                if (nrmAcc >= 0) j.WriteNumber("NORMAL", nrmAcc);
                if (uvAcc >= 0) j.WriteNumber("TEXCOORD_0", uvAcc);
                j.WriteEndObject();
                j.WriteNumber("indices", idxAcc);
                j.WriteNumber("material", 0);
                j.WriteNumber("mode", TrianglesMode);
                if (targets.Count > 0)
                {
                    j.WriteStartArray("targets");
                    foreach (var a in targetAcc) { j.WriteStartObject(); j.WriteNumber("POSITION", a); j.WriteEndObject(); }
                    j.WriteEndArray();
                }
                j.WriteEndObject(); j.WriteEndArray();
                if (targets.Count > 0)
                {
                    j.WriteStartArray("weights");
                    for (int t = 0; t < targets.Count; t++) j.WriteNumberValue(_o.MorphWeights?[t] ?? 0f);
                    j.WriteEndArray();
                    j.WriteStartObject("extras"); j.WriteStartArray("targetNames");
                    foreach (var (name, _) in targets) j.WriteStringValue(name);
                    j.WriteEndArray(); j.WriteEndObject();
                }
                j.WriteEndObject(); j.WriteEndArray();
                j.WriteEndObject();
            }
            return buffer.WrittenSpan.ToArray();
        }

        static void WriteAccessor(Utf8JsonWriter j, int? view, int count, int componentType, string type)
        {
            j.WriteStartObject();
            if (view is int v) { j.WriteNumber("bufferView", v); j.WriteNumber("byteOffset", 0); }
            j.WriteNumber("componentType", componentType); j.WriteNumber("count", count); j.WriteString("type", type);
        }

        /// <summary>FLOAT VEC3 accessor with exact min/max (written as the double value of each float, so readers compare equal).</summary>
        static void WriteVec3Accessor(Utf8JsonWriter j, int? view, int count, Vector3[] data, bool endObject = true)
        {
            WriteAccessor(j, view, count, ComponentFloat, "VEC3");
            var min = new Vector3(float.PositiveInfinity); var max = new Vector3(float.NegativeInfinity);
            for (int i = 0; i < count; i++) { min = Vector3.Min(min, data[i]); max = Vector3.Max(max, data[i]); }
            j.WriteStartArray("min"); j.WriteNumberValue((double)min.X); j.WriteNumberValue((double)min.Y); j.WriteNumberValue((double)min.Z); j.WriteEndArray();
            j.WriteStartArray("max"); j.WriteNumberValue((double)max.X); j.WriteNumberValue((double)max.Y); j.WriteNumberValue((double)max.Z); j.WriteEndArray();
            if (endObject) j.WriteEndObject();
        }

        public void Emit(Stream s)
        {
            long jsonChunk = Align4(_json.Length), binChunk = Align4(_binLength);
            long total = 12 + 8 + jsonChunk + 8 + binChunk;
            Span<byte> h = stackalloc byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(h, GlbMagic);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 2);
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)total);
            s.Write(h);
            WriteChunkHeader(s, (uint)jsonChunk, ChunkJson);
            s.Write(_json);
            for (long i = _json.Length; i < jsonChunk; i++) s.WriteByte(0x20);
            WriteChunkHeader(s, (uint)binChunk, ChunkBin);

            // Same order as BuildJson's bufferViews, each padded to 4 bytes.
            long written = 0;
            void Put<T>(ReadOnlySpan<T> data) where T : unmanaged
            {
                LittleEndianOutput.Write(s, data);
                written += data.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
                for (; (written & 3) != 0; written++) s.WriteByte(0);
            }
            int m = _split.VertexCount;
            Put<Vector3>(_positions);
            if (_normals is not null) Put<Vector3>(_normals);
            if (_uvs is not null) Put<Vector2>(_uvs);
            var deltaBuf = new Vector3[m];
            for (int t = 0; t < _mesh.MorphTargets.Count; t++)
            {
                var deltas = _mesh.MorphTargets[t].Deltas;
                if (_sparse[t] is not { } sparse)
                {
                    for (int i = 0; i < m; i++) deltaBuf[i] = Delta(deltas, i);
                    Put<Vector3>(deltaBuf);
                    continue;
                }
                if (sparse.Length == 0) continue;
                if (ShortSparseIndices)
                {
                    var shorts = new ushort[sparse.Length];
                    for (int k = 0; k < sparse.Length; k++) shorts[k] = (ushort)sparse[k];
                    Put<ushort>(shorts);
                }
                else Put<int>(sparse);
                for (int k = 0; k < sparse.Length; k++) deltaBuf[k] = Delta(deltas, sparse[k]);
                Put<Vector3>(deltaBuf.AsSpan(0, sparse.Length));
            }
            Put<int>(_split.Indices);
            if (_o.BaseColorTexturePng is { } png) Put<byte>(png);
            if (written != binChunk) throw new InvalidOperationException($"glTF BIN layout mismatch: wrote {written} bytes, planned {binChunk}");
        }

        static void WriteChunkHeader(Stream s, uint length, uint type)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(b, length);
            BinaryPrimitives.WriteUInt32LittleEndian(b[4..], type);
            s.Write(b);
        }
    }
}
