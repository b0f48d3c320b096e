using System.Globalization;

namespace KappaFace.MLNet.Trainer.Concentration;

/// <summary>
/// The small framing shared by the KappaFace checkpoint sections: a tag and version before each section, so a
/// reader fails loudly on a misplaced stream instead of loading garbage, and exact arrays of doubles and longs.
/// </summary>
internal static class CheckpointIO
{
    public static void WriteHeader(BinaryWriter writer, string tag, int version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(tag);
        writer.Write(version);
    }

    public static void ReadHeader(BinaryReader reader, string tag, int version)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var foundTag = reader.ReadString();
        var foundVersion = reader.ReadInt32();
        if (foundTag != tag || foundVersion != version)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Expected checkpoint section '{tag}' version {version}; found '{foundTag}' version {foundVersion}."));
        }
    }

    public static void Expect(long expected, long found, string what)
    {
        if (expected != found)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Checkpoint {what} is {found}, but this object has {expected}."));
        }
    }

    public static void WriteDoubles(BinaryWriter writer, IReadOnlyList<double> values)
    {
        writer.Write(values.Count);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    public static double[] ReadDoubles(BinaryReader reader, int expectedCount, string what)
    {
        Expect(expectedCount, reader.ReadInt32(), what + " length");
        var values = new double[expectedCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadDouble();
        }

        return values;
    }
}
