//! The harness's SMTP server is real: lettre delivers to it over TCP.

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[tokio::test]
async fn the_loopback_smtp_server_receives_what_lettre_sends() {
    let server = linli_tests::smtp::SmtpServer::start();
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port)
        .build();
    let message = Message::builder()
        .from("Linli <noreply@linli.test>".parse().expect("address"))
        .to("居民 <resident@linli.test>".parse().expect("address"))
        .subject("您的需求已被认领")
        .header(ContentType::TEXT_PLAIN)
        .body("志愿者将于明天上午到达。".to_owned())
        .expect("a message");
    mailer.send(message).await.expect("delivery succeeds");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["resident@linli.test".to_owned()]);
    let parsed = mail_parser::MessageParser::default()
        .parse(&received[0].raw)
        .expect("a parseable message");
    assert_eq!(parsed.subject(), Some("您的需求已被认领"));
    assert_eq!(
        parsed.body_text(0).as_deref().map(str::trim),
        Some("志愿者将于明天上午到达。")
    );
}
