//! Lets this crate's test binaries find libpython at run time without
//! LD_LIBRARY_PATH: an rpath to the directory of the interpreter pyo3 links.

fn main() {
    let config = pyo3_build_config::get();
    if let Some(dir) = &config.lib_dir {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
