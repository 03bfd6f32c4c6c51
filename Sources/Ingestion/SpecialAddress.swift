#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The IP ranges a fetch of an untrusted URL must not reach (`input.block_private_addresses`,
/// issue 16 item 19): this machine, private networks and link-local addresses (cloud metadata
/// services answer at 169.254.169.254 and fd00:ec2::254), plus the other non-global ranges of
/// the IANA special-purpose registries (RFC 6890).
enum SpecialAddress {
    /// IPv4 prefixes (address, prefix length).
    static let ipv4: [(UInt32, Int)] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network" (0.0.0.0 reaches local services)
        (0x0A00_0000, 8),  // 10.0.0.0/8 private (RFC 1918)
        (0x6440_0000, 10),  // 100.64.0.0/10 shared address space (RFC 6598)
        (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
        (0xA9FE_0000, 16),  // 169.254.0.0/16 link-local, cloud metadata
        (0xAC10_0000, 12),  // 172.16.0.0/12 private (RFC 1918)
        (0xC000_0000, 24),  // 192.0.0.0/24 IETF protocol assignments
        (0xC0A8_0000, 16),  // 192.168.0.0/16 private (RFC 1918)
        (0xC612_0000, 15),  // 198.18.0.0/15 benchmarking
        (0xE000_0000, 4),  // 224.0.0.0/4 multicast
        (0xF000_0000, 4),  // 240.0.0.0/4 reserved, and the broadcast address
    ]

    /// Whether an IPv4 address (host byte order) is in a blocked range.
    static func isBlocked(ipv4 address: UInt32) -> Bool {
        ipv4.contains { prefix, length in address >> (32 - length) == prefix >> (32 - length) }
    }

    /// Whether an IPv6 address (16 bytes, network order) is blocked: loopback, unspecified,
    /// link-local (fe80::/10), unique local (fc00::/7), multicast (ff00::/8), and IPv4 addresses
    /// carried inside IPv6 (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
    /// 2002::/16) when the IPv4 address is blocked.
    static func isBlocked(ipv6 b: [UInt8]) -> Bool {
        precondition(b.count == 16)
        func v4(_ i: Int) -> UInt32 {
            UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
        if b[0] == 0xFF || b[0] & 0xFE == 0xFC || (b[0] == 0xFE && b[1] & 0xC0 == 0x80) { return true }
        if b[0..<10].allSatisfy({ $0 == 0 }) {
            if b[10] == 0xFF && b[11] == 0xFF { return isBlocked(ipv4: v4(12)) }  // ::ffff:a.b.c.d
            if b[10] == 0 && b[11] == 0 { return true }  // ::, ::1 and ::a.b.c.d (deprecated)
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return isBlocked(ipv4: v4(12)) }
        if b[0] == 0x20 && b[1] == 0x02 { return isBlocked(ipv4: v4(2)) }
        return false
    }

    /// The address at `pointer` (a `sockaddr_in` or `sockaddr_in6`) as text if it is blocked,
    /// else nil. Other families (Unix sockets) are not network addresses and pass.
    static func blocked(_ pointer: UnsafeRawPointer) -> String? {
        let family = Int32(pointer.load(as: sockaddr.self).sa_family)
        switch family {
        case AF_INET:
            let address = pointer.load(as: sockaddr_in.self).sin_addr
            guard isBlocked(ipv4: UInt32(bigEndian: address.s_addr)) else { return nil }
            return text(family, address)
        case AF_INET6:
            let address = pointer.load(as: sockaddr_in6.self).sin6_addr
            let bytes = withUnsafeBytes(of: address) { Array($0) }
            guard isBlocked(ipv6: bytes) else { return nil }
            return text(family, address)
        default:
            return nil
        }
    }

    /// The host part of a URL if it is an IP literal in a blocked range, else nil. Checked before
    /// a request too, so a URL sent through a proxy cannot name such an address either.
    static func blocked(host: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return isBlocked(ipv4: UInt32(bigEndian: v4.s_addr)) ? host : nil
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return isBlocked(ipv6: withUnsafeBytes(of: v6) { Array($0) }) ? host : nil
        }
        return host.lowercased() == "localhost" || host.lowercased().hasSuffix(".localhost") ? host : nil
    }

    private static func text<T>(_ family: Int32, _ address: T) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = withUnsafeBytes(of: address) { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
