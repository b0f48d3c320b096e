using Google.Protobuf;
using KappaFace.MLNet.Onnx.Graph;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Tests;

/// <summary>Known-answer tests of the wire format (field numbers and wire types of ONNX) and round trips.</summary>
public class ProtoWireTests
{
    private static void Wire(byte[] expected, IMessage message) => Assert.Equal(expected, message.ToByteArray());

    [Fact]
    public void Model_header_fields_have_onnx_numbers()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "p", Graph = new GraphProto() };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "k", Value = "v" });
        // ir_version=1 varint; producer_name=2; graph=7 (empty); opset_import=8 {version=2: 13};
        // metadata_props=14 {key=1, value=2}.
        byte[] expected = [0x08, 0x08, 0x12, 0x01, (byte)'p', 0x3A, 0x00, 0x42, 0x02, 0x10, 0x0D, 0x72, 0x06, 0x0A, 0x01, (byte)'k', 0x12, 0x01, (byte)'v'];
        Wire(expected, model);
    }

    [Fact]
    public void Attributes_use_onnx_numbers_and_keep_zero_values()
    {
        // name=1 "axes"; ints=8 unpacked varints; type=20 (tag 0xA0 0x01) INTS=7.
        Wire(
            [0x0A, 0x04, (byte)'a', (byte)'x', (byte)'e', (byte)'s', 0x40, 0x01, 0x40, 0x02, 0xA0, 0x01, 0x07],
            OnnxAttr.OfInts("axes", 1, 2));
        // i=3 must be written even when zero; type INT=2.
        Wire(
            [0x0A, 0x01, (byte)'k', 0x18, 0x00, 0xA0, 0x01, 0x02],
            OnnxAttr.OfInt("k", 0));
        // f=2 fixed32; type FLOAT=1.
        Wire(
            [0x0A, 0x01, (byte)'e', 0x15, 0x00, 0x00, 0x80, 0x3F, 0xA0, 0x01, 0x01],
            OnnxAttr.OfFloat("e", 1f));
        // floats=7 unpacked fixed32; type FLOATS=6.
        Wire(
            [0x0A, 0x01, (byte)'f', 0x3D, 0x00, 0x00, 0x00, 0x40, 0xA0, 0x01, 0x06],
            OnnxAttr.OfFloats("f", 2f));
        // s=4 bytes; type STRING=3.
        Wire(
            [0x0A, 0x01, (byte)'p', 0x22, 0x02, (byte)'N', (byte)'O', 0xA0, 0x01, 0x03],
            OnnxAttr.OfString("p", "NO"));
    }

    [Fact]
    public void Tensors_and_value_infos_use_onnx_numbers()
    {
        var b = new OnnxGraphBuilder("g");
        b.AddInput("x", "n", 2);
        b.AddInitializer("w", [1L], 1);
        b.AddNode("Identity", ["x"], "y");
        b.AddOutput("y", "n", 2);
        var graph = b.Build("t", "1").Graph;

        // dims=1 unpacked; data_type=2 INT64=7; name=8; raw_data=9 (8 bytes little-endian).
        Wire(
            [0x08, 0x01, 0x10, 0x07, 0x42, 0x01, (byte)'w', 0x4A, 0x08, 1, 0, 0, 0, 0, 0, 0, 0],
            graph.Initializer[0]);
        // name=1; type=2 { tensor_type=1 { elem_type=1 FLOAT; shape=2 { dim=1 {dim_param=2 "n"}, dim=1 {dim_value=1: 2} } } }.
        Wire(
            [0x0A, 0x01, (byte)'x', 0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01, 0x12, 0x09, 0x0A, 0x03, 0x12, 0x01, (byte)'n', 0x0A, 0x02, 0x08, 0x02],
            graph.Input[0]);
        // input=1, output=2, name=3, op_type=4.
        Wire(
            [0x0A, 0x01, (byte)'x', 0x12, 0x01, (byte)'y', 0x1A, 0x08, .. "Identity"u8, 0x22, 0x08, .. "Identity"u8],
            graph.Node[0]);
    }

    [Fact]
    public void Built_model_round_trips_through_bytes_and_file()
    {
        using var dir = new TempDir();
        var model = TinyModel.Create();
        var proto = model.Build();
        var path = dir.File("tiny.onnx");
        proto.Save(path);

        var back = OnnxModelFile.Load(path);
        Assert.Equal(proto, back);
        Assert.Equal(8, back.IrVersion);
        var opset = Assert.Single(back.OpsetImport);
        Assert.Equal(string.Empty, opset.Domain);
        Assert.Equal(13, opset.Version);
        Assert.Equal("KappaFace.MLNet.Tests", back.ProducerName);
        Assert.Equal(new[] { "Sub", "Div", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm", "ReduceL2", "Div" }, back.Graph.Node.Select(n => n.OpType));

        var conv = back.Graph.Initializer.Single(t => t.Name == "conv.weight");
        Assert.Equal(new long[] { 4, 3, 3, 3 }, conv.Dims);
        Assert.Equal((int)TensorProto.Types.DataType.Float, conv.DataType);
        var weights = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(conv.RawData.Span).ToArray();
        Assert.Equal(model.ConvWeight, weights);

        var input = Assert.Single(back.Graph.Input);
        Assert.Equal(ModelContract.InputName, input.Name);
        var dims = input.Type.TensorType.Shape.Dim;
        Assert.Equal("batch", dims[0].DimParam);
        Assert.Equal(new long[] { 3, 8, 8 }, dims.Skip(1).Select(d => d.DimValue));

        var reduce = back.Graph.Node.Single(n => n.OpType == "ReduceL2");
        Assert.Equal(new long[] { 1 }, reduce.Attribute.Single(a => a.Name == "axes").Ints);
        Assert.Equal(1, reduce.Attribute.Single(a => a.Name == "keepdims").I);

        var header = OnnxModelFile.ReadHeader(path);
        Assert.Equal(8, header.IrVersion);
        Assert.Equal(13, header.DefaultOpset);
        Assert.Equal("0.1.0", header.ProducerVersion);
        Assert.Equal(TinyModel.Card().ToMetadata(), header.Metadata);
        Assert.Equal(header.Metadata, OnnxModelFile.ReadHeader(File.ReadAllBytes(path), "b").Metadata);
        Assert.Equal(proto, OnnxModelFile.Parse(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Save_is_atomic_and_leaves_no_temporary_files()
    {
        using var dir = new TempDir();
        var path = dir.File("sub/m.onnx");
        var first = TinyModel.Create(1).Build();
        first.Save(path);
        var second = TinyModel.Create(2).Build();
        second.Save(path);
        Assert.Equal(second, OnnxModelFile.Load(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));

        // A destination that cannot be replaced (a folder) fails without leaving a temporary file.
        var folder = dir.File("sub/folder.onnx");
        Directory.CreateDirectory(folder);
        Assert.ThrowsAny<IOException>(() => first.Save(folder));
        Assert.Equal(new[] { "m.onnx" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal(second, OnnxModelFile.Load(path));
    }
}
