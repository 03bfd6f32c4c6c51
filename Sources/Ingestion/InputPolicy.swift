/// What inputs written by someone else may make a run do (issue 16 item 19). A JSON Lines file
/// or URL list can come from another person; so can the files in a folder. The defaults are the
/// safe ones: such entries cannot read local files outside their own folder, links cannot lead
/// out of an input folder, and fetches cannot reach this machine or its private network (cloud
/// metadata at 169.254.169.254 included). Paths and URLs given on the command line or in
/// `input.paths` are the operator's and are not limited, except that fetches still honour
/// `blockPrivateAddresses`.
public struct InputPolicy: Sendable, Hashable {
    /// `input.allow_local_paths`: whether a JSON Lines `path` may be absolute or leave the JSON
    /// Lines file's folder (`..`), and whether a listed URL may be `file://`. A relative path
    /// inside the folder is always allowed.
    public var allowLocalPaths: Bool
    /// `input.follow_symlinks_outside`: whether a symbolic link in an input folder, or on a JSON
    /// Lines `path`, may lead outside that folder.
    public var followSymlinksOutside: Bool
    /// `input.block_private_addresses`: whether fetches refuse to connect to loopback, private
    /// (RFC 1918, unique local), link-local and other special-purpose addresses, checked on the
    /// address each connection actually uses, after DNS and on every redirect.
    public var blockPrivateAddresses: Bool

    public init(allowLocalPaths: Bool = false, followSymlinksOutside: Bool = false, blockPrivateAddresses: Bool = true)
    {
        self.allowLocalPaths = allowLocalPaths
        self.followSymlinksOutside = followSymlinksOutside
        self.blockPrivateAddresses = blockPrivateAddresses
    }

    /// Everything allowed: for inputs the operator wrote.
    public static let trusting = InputPolicy(
        allowLocalPaths: true, followSymlinksOutside: true, blockPrivateAddresses: false)
}
