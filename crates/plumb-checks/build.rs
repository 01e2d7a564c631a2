//! The check library and frameworks are embedded with `include_dir!`, which
//! cargo does not track: rebuild when any of their files changes.
fn main() {
    println!("cargo:rerun-if-changed=../../checks/aws");
    println!("cargo:rerun-if-changed=../../frameworks");
}
