using System.Globalization;

namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>The range checks of the head's options records, with one message shape naming record and option.</summary>
internal static class OptionRules
{
    public static void RequireDefined<TEnum>(string owner, TEnum value, string name)
        where TEnum : struct, Enum
        => Require(owner, Enum.IsDefined(value), value, name, "is not a defined value of " + typeof(TEnum).Name);

    public static void Require(string owner, bool condition, object value, string name, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value,
                string.Create(CultureInfo.InvariantCulture, $"{owner}.{name} {rule}; got {value}."));
        }
    }
}
