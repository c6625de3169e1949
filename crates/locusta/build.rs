//! With the `python` feature, the binary (and this package's tests and
//! examples) find libpython at run time without LD_LIBRARY_PATH: an rpath to
//! the library directory of the interpreter pyo3 links.

fn main() {
    #[cfg(feature = "python")]
    if let Some(dir) = &pyo3_build_config::get().lib_dir {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
