/// A stop signal as engines spell it: `SIGUSR1`, `USR1` or `10` name one signal (Podman stores
/// the number where Docker keeps the name), so configs are compared by the signal, not the text.
enum StopSignal {
    /// Linux's signal numbers for the names a Dockerfile may use.
    private static let numbers: [String: Int] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
        "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
        "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22,
        "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29,
        "POLL": 29, "PWR": 30, "SYS": 31,
    ]

    /// The signal's number, or the text itself (upper-cased, without `SIG`) when it names no
    /// known signal, so two unknown spellings still compare as text.
    static func canonical(_ text: String) -> String {
        let trimmed = text.uppercased()
        if let number = Int(trimmed) { return String(number) }
        let name = trimmed.hasPrefix("SIG") ? String(trimmed.dropFirst(3)) : trimmed
        return numbers[name].map(String.init) ?? name
    }
}
