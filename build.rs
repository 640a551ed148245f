// `sqlx::migrate!` embeds the migrations when the crate compiles; without this, adding a
// migration and nothing else would not rebuild, and the binary would run without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
