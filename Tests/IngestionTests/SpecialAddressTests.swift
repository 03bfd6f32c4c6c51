import Testing

@testable import Ingestion

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 16 item 19: which addresses a fetch under `block_private_addresses` refuses. Only the
/// classification is tested here; nothing is sent to these addresses.
@Suite struct SpecialAddressTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("0.0.0.0", true), ("10.1.2.3", true), ("172.16.0.1", true),
        ("172.31.255.255", true), ("172.32.0.1", false), ("192.168.1.1", true), ("169.254.169.254", true),
        ("100.64.0.1", true), ("100.128.0.1", false), ("224.0.0.1", true), ("255.255.255.255", true),
        ("8.8.8.8", false), ("93.184.216.34", false), ("::1", true), ("::", true), ("fe80::1", true),
        ("fd00:ec2::254", true), ("fc00::1", true), ("ff02::1", true), ("::ffff:169.254.169.254", true),
        ("::ffff:127.0.0.1", true), ("::ffff:8.8.8.8", false), ("64:ff9b::a9fe:a9fe", true),
        ("64:ff9b::808:808", false), ("2002:a9fe:a9fe::1", true), ("2002:808:808::1", false),
        ("2001:4860:4860::8888", false), ("localhost", true), ("LOCALHOST", true), ("db.localhost", true),
        ("example.org", false),
    ])
    func classifiesHosts(_ host: String, _ blocked: Bool) {
        #expect((SpecialAddress.blocked(host: host) != nil) == blocked)
    }

    @Test func readsSocketAddresses() {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr)
        #expect(withUnsafeBytes(of: &v4) { SpecialAddress.blocked($0.baseAddress!) } == "169.254.169.254")
        _ = inet_pton(AF_INET, "1.1.1.1", &v4.sin_addr)
        #expect(withUnsafeBytes(of: &v4) { SpecialAddress.blocked($0.baseAddress!) } == nil)
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        _ = inet_pton(AF_INET6, "::ffff:10.0.0.1", &v6.sin6_addr)
        #expect(withUnsafeBytes(of: &v6) { SpecialAddress.blocked($0.baseAddress!) } == "::ffff:10.0.0.1")
    }
}
