//! Careless and hostile division files: refused whole, naming the file and line, nothing stored.

use kesu_store::testing::each_backend;
use kesu_store::{Actor, StoreError, regions};

#[tokio::test]
async fn a_line_over_the_cap_refuses_the_import_naming_file_and_line() {
    each_backend(|db| async move {
        let csv = format!("code,name\n43,湖南省\n4313,{}\n", "娄".repeat(30_000));
        let e = regions::import_seed_csv(&db, &Actor::system(), csv.as_bytes(), "long.csv", "2023")
            .await
            .unwrap_err();
        let StoreError::Import(e) = e else {
            panic!("{e}")
        };
        assert_eq!((e.rows[0].file.as_str(), e.rows[0].row), ("long.csv", 3));
        assert!(e.rows[0].reason.contains("字节"), "{}", e.rows[0].reason);
        assert_eq!(regions::count(&db).await.unwrap(), 0, "nothing stored");
    })
    .await;
}

#[tokio::test]
async fn a_broken_gzip_seed_is_refused_naming_the_file() {
    each_backend(|db| async move {
        let bytes = [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef];
        let e = regions::import_seed_csv(&db, &Actor::system(), &bytes, "seed.csv.gz", "2023")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("seed.csv.gz"), "{e}");
        assert_eq!(regions::count(&db).await.unwrap(), 0);
    })
    .await;
}
