namespace NetGen.Generator.Model;

/// <summary>
/// Every NetGen diagnostic id. The only place the ids are spelled: <c>NG0005</c> is <c>DiagnosticId.NG0005.ToString()</c>,
/// and the descriptors, the messages and the code fixes all start from this type.
/// </summary>
internal enum DiagnosticId
{
    NG0001 = 1,
    NG0002,
    NG0003,
    NG0004,
    NG0005,
    NG0006,
    NG0007,
    NG0008,
    NG0009,
    NG0010,
    NG0011,
    NG0012,
    NG0013,
    NG0014,
    NG0015,
    NG0016,
    NG0017,
    NG0018,
    NG0019,
    NG0020,
}
